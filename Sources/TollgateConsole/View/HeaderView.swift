import TollgateClient
import TollgateCore

/// The top line: who I am, which server, the connection, and the counts.
enum HeaderView {
    static func draw(_ model: ConsoleModel, into frame: inout Frame, layout: Layout, styler: Styler) {
        var runs: [Run] = [styler.label(" Tollgate", .header)]
        // Most important first, so a narrow terminal cuts the least useful part: state, counts, then who and where.
        if model.server != nil {
            runs.append(styler.label(styler.separator, .header))
            runs.append(connection(model, styler))
            runs.append(styler.label(styler.separator, .header))
            runs += counts(model, styler)
        } else {
            runs.append(styler.label(styler.separator, .header))
            runs.append(styler.label("offline: local history only", .header))
        }
        if let server = model.server {
            runs.append(styler.label(styler.separator, .header))
            if let me = model.me {
                runs.append(styler.text(me.id, .header, limit: 40))
            } else {
                runs.append(styler.label(model.identityProblem == nil ? "(whoami...)" : "(unknown user)", .header))
            }
            runs.append(styler.label(" @ ", .header))
            runs.append(styler.text(server, .header, limit: 48))
        }
        if model.cacheProblem != nil {
            runs.append(styler.label(styler.separator, .header))
            runs.append(styler.label("cache unavailable", .toastWarn))
        }
        frame.put(fitted: runs, x: 0, y: Layout.headerRow, width: layout.width, asciiOnly: model.asciiOnly, padRole: .header)
    }

    /// The connection state in words, with the reconnect countdown.
    static func connection(_ model: ConsoleModel, _ styler: Styler) -> Run {
        switch model.connection {
        case .live?:
            return styler.label("live", .header)
        case .connecting?, nil:
            return styler.label("connecting", .header)
        case .reconnecting(let at, let attempt)?:
            let seconds = Format.secondsLeft(from: model.now, to: at)
            var text = "reconnecting in \(seconds)s"
            if attempt > 1 { text += " (try \(attempt))" }
            if let why = model.connectionProblem {
                return Run(glyphs: styler.label(text + ": ", .toastWarn).glyphs + styler.text(why, .toastWarn, limit: 40).glyphs, role: .toastWarn)
            }
            return styler.label(text, .toastWarn)
        case .offline(let why)?:
            return Run(glyphs: styler.label("offline: ", .toastWarn).glyphs + styler.text(why, .toastWarn, limit: 40).glyphs, role: .toastWarn)
        case .unauthorised(let why)?:
            return Run(glyphs: styler.label("UNAUTHORISED: ", .toastError).glyphs + styler.text(why, .toastError, limit: 40).glyphs, role: .toastError)
        case .certificateRefused?:
            // The reason is in the toast: the label alone says what to fix.
            return styler.label("CERTIFICATE REFUSED", .toastError)
        case .stopped?:
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
