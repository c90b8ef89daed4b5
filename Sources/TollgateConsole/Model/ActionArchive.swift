import TollgateCore

/// Where the console reads actions' full records when a screen shows them.
///
/// The queue keeps only `QueueRow`s; the detail screen, the split view's detail pane and the
/// diff viewer need the whole action. `update` asks for records with the `.loadRecords`
/// effect; the wiring answers it from an archive (the console's local cache, with what the
/// feed delivered but is not written yet) as a `.records` message. A miss is then fetched from
/// the server.
public protocol ActionArchive: Sendable {
    /// The latest full records of `ids` known locally, as the `.records` message carries them:
    /// those found, the ids not found, and why the archive could not be read, if it could not.
    func records(_ ids: [String]) -> Message
}
