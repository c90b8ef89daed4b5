import TollgateClient
import TollgateCore

/// The top line: who I am, which server, the connection, and the counts; with several
/// servers, the counts and each server's state.
enum HeaderView {
    static func draw(_ model: ConsoleModel, into frame: inout Frame, layout: Layout, styler: Styler) {
        var runs: [Run] = [styler.label(" Tollgate", .header)]
        // Most important first, so a narrow terminal cuts the least useful part: state, counts, then who and where.
        let followed = model.followedServers.compactMap { id in model.server(id).map { (id, $0) } }
        if model.isFleet {
            runs.append(styler.label(styler.separator, .header))
            runs += counts(model, styler)
            // Each server's state by its name, in words: a server that is down is read, not guessed from colour.
            for (i, (_, server)) in followed.enumerated() {
                runs.append(styler.label(i == 0 ? styler.separator : styler.dot, .header))
                runs.append(styler.text(server.name, .header, limit: 32))
                runs.append(styler.label(" ", .header))
                runs.append(connection(server, now: model.now, styler, brief: true))
            }
            // Who the tokens belong to, when they all say the same: each server judges by its own.
            let identities = Set(followed.compactMap(\.1.me?.id))
            if identities.count == 1, let me = identities.first {
                runs.append(styler.label(styler.separator, .header))
                runs.append(styler.text(me, .header, limit: 40))
            }
        } else if let server = followed.first?.1 {
            runs.append(styler.label(styler.separator, .header))
            runs.append(connection(server, now: model.now, styler, brief: false))
            runs.append(styler.label(styler.separator, .header))
            runs += counts(model, styler)
            runs.append(styler.label(styler.separator, .header))
            if let me = server.me {
                runs.append(styler.text(me.id, .header, limit: 40))
            } else {
                runs.append(styler.label(server.identityProblem == nil ? "(whoami...)" : "(unknown user)", .header))
            }
            runs.append(styler.label(" @ ", .header))
            runs.append(styler.text(server.url, .header, limit: 48))
        } else {
            runs.append(styler.label(styler.separator, .header))
            runs.append(styler.label(model.isOffline ? "offline: local history only" : "following no server (:ctx all)", .header))
        }
        if model.cacheProblem != nil {
            runs.append(styler.label(styler.separator, .header))
            runs.append(styler.label("cache unavailable", .toastWarn))
        }
        frame.put(fitted: runs, x: 0, y: Layout.headerRow, width: layout.width, asciiOnly: model.asciiOnly, padRole: .header)
    }

    /// A server's connection state in words, with the reconnect countdown; `brief` leaves the
    /// reasons out (the fleet's header has one of these per server, and toasts carry them).
    static func connection(_ server: ServerState, now: Timestamp, _ styler: Styler, brief: Bool) -> Run {
        switch server.connection {
        case .live:
            return styler.label("live", .header)
        case .connecting:
            return styler.label("connecting", .header)
        case .reconnecting(let at, let attempt):
            let seconds = Format.secondsLeft(from: now, to: at)
            var text = "reconnecting in \(seconds)s"
            if attempt > 1 && !brief { text += " (try \(attempt))" }
            if let why = server.connectionProblem, !brief {
                return Run(glyphs: styler.label(text + ": ", .toastWarn).glyphs + styler.text(why, .toastWarn, limit: 40).glyphs, role: .toastWarn)
            }
            return styler.label(text, .toastWarn)
        case .offline(let why):
            if brief { return styler.label("offline", .toastWarn) }
            return Run(glyphs: styler.label("offline: ", .toastWarn).glyphs + styler.text(why, .toastWarn, limit: 40).glyphs, role: .toastWarn)
        case .unauthorised(let why):
            if brief { return styler.label("UNAUTHORISED", .toastError) }
            return Run(glyphs: styler.label("UNAUTHORISED: ", .toastError).glyphs + styler.text(why, .toastError, limit: 40).glyphs, role: .toastError)
        case .certificateRefused:
            // The reason is in the toast: the label alone says what to fix.
            return styler.label("CERTIFICATE REFUSED", .toastError)
        case .stopped:
            return styler.label("stopped", .toastWarn)
        }
    }

    private static func counts(_ model: ConsoleModel, _ styler: Styler) -> [Run] {
        var runs = [styler.label("\(model.pendingCount) pending", .header)]
        if model.escalatedCount > 0 {
            runs += [styler.label(" ", .header), styler.label("\(model.escalatedCount) ESCALATED", .alert)]
        }
        let critical = model.pendingByRisk[Risk.critical.rank], high = model.pendingByRisk[Risk.high.rank]
        if critical > 0 { runs += [styler.label(" ", .header), styler.label("\(critical) CRIT", .riskCritical)] }
        if high > 0 { runs += [styler.label(" ", .header), styler.label("\(high) HIGH", .riskHigh)] }
        return runs
    }
}
