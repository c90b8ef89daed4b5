import TollgateCore

/// Where the console reads an action's full record when a screen shows it.
///
/// The queue keeps only `QueueRow`s; the detail screen, the split view's detail pane and the
/// diff viewer read the whole action here. The console's archive is its local cache (with what
/// the feed delivered but is not written yet); a miss is fetched from the server.
public protocol ActionArchive: Sendable {
    /// The latest full record of `id` known locally, or nil.
    func action(id: String) -> Action?
}
