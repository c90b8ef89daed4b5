import Foundation

/// Files the tests create, failing loudly: `FileManager.createFile` only returns false.
enum TestFiles {
    static func create(_ path: String, _ contents: Data = Data(), ownerOnly: Bool = false) throws {
        let attributes: [FileAttributeKey: Any]? = ownerOnly ? [.posixPermissions: 0o600] : nil
        guard FileManager.default.createFile(atPath: path, contents: contents, attributes: attributes) else {
            throw HTTPClientError("cannot create \(path)")
        }
    }
}
