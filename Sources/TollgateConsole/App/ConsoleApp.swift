import CNcurses
import Foundation
import TollgateClient
import TollgateCore

/// How the `tollgate` command wants the console run.
public struct ConsoleOptions: Sendable {
    /// The servers the console may follow (`[[servers]]`, or the one `--server`); none (or
    /// `offline`) opens the local history with no server at all.
    public var servers: [ServerContext]
    /// The names of those followed from the start (`--context`); nil: every one.
    public var followed: Set<String>?
    public var offline: Bool
    /// The SQLite history cache.
    public var historyPath: String
    /// A theme name or a path to a theme file; nil means `TOLLGATE_THEME`, else `default`.
    public var themeName: String?
    public var mouse: Bool
    /// Keep the pending count in the terminal title.
    public var title: Bool
    /// What alerts, and how.
    public var alerts: AlertSettings
    public var environment: [String: String]
    /// Heartbeat timeout and backoff of the live feed.
    public var feed: FeedOptions
    /// The danger patterns diffs are marked with (the configuration's `[[danger]]` beside the defaults).
    public var danger: DangerMatcher
    /// Called once at start with a function that shows a line as an info toast; the demo
    /// hands it to its simulated agents so their reactions appear while you decide.
    public var notices: (@Sendable (@escaping @Sendable (String) -> Void) -> Void)?

    public init(
        servers: [ServerContext], followed: Set<String>? = nil, offline: Bool, historyPath: String, themeName: String?,
        mouse: Bool, title: Bool, alerts: AlertSettings = AlertSettings(), environment: [String: String], feed: FeedOptions = FeedOptions(),
        danger: DangerMatcher = DangerMatcher(), notices: (@Sendable (@escaping @Sendable (String) -> Void) -> Void)? = nil
    ) {
        self.servers = servers; self.followed = followed; self.offline = offline; self.historyPath = historyPath; self.themeName = themeName
        self.mouse = mouse; self.title = title; self.alerts = alerts; self.environment = environment
        self.feed = feed; self.danger = danger; self.notices = notices
    }
}

/// The console's main loop: input and wake-ups become messages, `update` runs, effects are
/// performed, and `view`'s frame is painted. Everything curses does happens on this thread.
public enum ConsoleApp {
    /// Runs until the user quits or a signal arrives; returns the exit status.
    public static func run(_ options: ConsoleOptions) -> Int32 {
        let environment = options.environment
        let executable = ThemeCatalog.runningExecutable(environment: environment)
        let requested = options.themeName ?? environment["TOLLGATE_THEME"].flatMap { $0.isEmpty ? nil : $0 } ?? Theme.builtIn.name
        let (theme, themeProblem) = ThemeCatalog.load(requested, environment: environment, executablePath: executable)
        let inbox: Inbox
        do { inbox = try Inbox() } catch {
            FileHandle.standardError.write(Data("tollgate: \(error)\n".utf8))
            return 1
        }
        let servers = options.offline ? [] : options.servers
        let terminal: Terminal
        switch Terminal.open(environment: environment, mouse: options.mouse) {
        case .success(let t): terminal = t
        case .failure(let error):
            FileHandle.standardError.write(Data("tollgate: \(error)\n".utf8))
            return 1
        }
        StopSignals.install(wakeFD: inbox.signalFD)  // Ctrl-C at the keyboard is a key in raw mode, not a signal
        terminal.apply(theme)
        let services = ConsoleServices(inbox: inbox, servers: servers, historyPath: options.historyPath, feed: options.feed)
        let states = servers.map { ServerState(name: $0.name, url: $0.endpoint.baseURL, followed: options.followed?.contains($0.name) ?? true) }
        var model = ConsoleModel(
            now: .now(), size: terminal.size, servers: states, asciiOnly: terminal.asciiOnly,
            themeName: theme.name, alerts: options.alerts, titleEnabled: options.title)
        model.danger = options.danger
        var loop = Loop(
            terminal: terminal, services: services, environment: environment, executable: executable, notify: options.alerts.mode)
        if let themeProblem {
            loop.perform(model.update(.themeLoaded(name: theme.name, problem: themeProblem + "; using the built-in theme")), model: &model)
        }
        services.start(model.followedServers)
        options.notices? { [inbox] text in inbox.post(.notice(text)) }
        // The first message lays the screen out and, offline, asks for the first history page.
        loop.perform(model.update(.resize(terminal.size)), model: &model)
        loop.run(&model, inbox: inbox)
        services.stop()
        terminal.end()
        StopSignals.restore()
        if let signo = StopSignals.requested { return 128 + signo }
        return 0
    }
}

/// One run of the UI loop and the effects it performs.
private struct Loop {
    let terminal: Terminal
    let services: ConsoleServices
    let environment: [String: String]
    let executable: String?
    let notify: NotifyMode
    var running = true
    /// Alerts asked for, gathered until they are due (at most one a second).
    var gate = AlertGate()
    /// The title to send after the next paint: only the latest of several matters.
    var title: String?

    mutating func run(_ model: inout ConsoleModel, inbox: Inbox) {
        var decoder = KeyDecoder()
        var dirty = true
        var nextTick = Self.nextSecond(after: .now())
        while running {
            if dirty {
                let size = terminal.size
                if size != model.size { perform(model.update(.resize(size)), model: &model) }
                terminal.paint(ConsoleView.view(model, size: size))
                dirty = false
            }
            // After the paint, whose refresh() flushed curses' output (see Terminal).
            sendAlertAndTitle()
            var wait = max(0, min(1_000, nextTick.milliseconds - Timestamp.now().milliseconds))
            if let due = gate.due { wait = min(wait, Self.milliseconds(until: due)) }
            var fds = [
                pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                pollfd(fd: inbox.wakeFD, events: Int16(POLLIN), revents: 0),
            ]
            _ = poll(&fds, 2, Int32(wait))
            if StopSignals.requested != nil { break }
            // A hung-up terminal can never be read again: stop instead of spinning.
            if fds[0].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 && fds[0].revents & Int16(POLLIN) == 0 { break }
            var messages = terminal.readKeys(into: &decoder)
            messages += inbox.drain()
            let now = Timestamp.now()
            if now >= nextTick {
                messages.append(.tick(now))
                nextTick = Self.nextSecond(after: now)
            }
            for message in messages where running {
                perform(model.update(message), model: &model)
                dirty = true
            }
        }
    }

    /// The alert that is due, as `--notify` says, and the title if it changed.
    mutating func sendAlertAndTitle() {
        if let alert = gate.take(at: .now) {
            switch notify {
            case .bell: terminal.ringBell()
            case .desktop: terminal.notify(alert, tmux: environment["TMUX"].map { !$0.isEmpty } ?? false)
            case .off: break
            }
        }
        if let text = title {
            terminal.setTitle(text)
            title = nil
        }
    }

    /// Whole milliseconds until `instant`, rounded up so the wait never ends just before it.
    static func milliseconds(until instant: ContinuousClock.Instant) -> Int64 {
        let (seconds, attoseconds) = ContinuousClock.now.duration(to: instant).components
        return max(0, seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }

    /// Ticks land on whole seconds, so every countdown on screen changes together, once.
    static func nextSecond(after t: Timestamp) -> Timestamp {
        Timestamp(milliseconds: (t.milliseconds / 1000 + 1) * 1000)
    }

    mutating func perform(_ effects: [Effect], model: inout ConsoleModel) {
        for effect in effects {
            switch effect {
            case .sendDecision(let intent):
                services.decide(intent)
            case .loadHistory(let request):
                services.loadHistory(request)
            case .reconnect:
                services.reconnect()
            case .fetchIdentity(let server):
                services.fetchIdentity(server)
            case .follow(let server, let on):
                services.follow(server, on)
            case .refreshActions(let ids):
                services.refresh(ids)
            case .loadRecords(let ids):
                // Answered at once, before the next frame: a local read by key, so the detail
                // pane never flashes empty while the selection moves.
                for message in services.records(ids) { perform(model.update(message), model: &model) }
            case .loadTheme(let name):
                let (theme, problem) = ThemeCatalog.load(name, environment: environment, executablePath: executable)
                if let problem {
                    // A bad choice made live keeps the theme that works.
                    perform(model.update(.themeLoaded(name: model.themeName, problem: problem + "; keeping \(model.themeName)")), model: &model)
                } else {
                    terminal.apply(theme)
                    perform(model.update(.themeLoaded(name: theme.name, problem: nil)), model: &model)
                }
            case .alert(let event):
                gate.offer(event, at: .now)
            case .setTitle(let text):
                title = text
            case .quit:
                running = false
            }
        }
    }
}
