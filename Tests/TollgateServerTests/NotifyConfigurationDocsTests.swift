import TollgateCore
import XCTest

@testable import TollgateServer

/// The `[[notify]]` examples of docs/configuration.md and README.md read as they are written.
final class NotifyConfigurationDocsTests: XCTestCase {
    private static let root = #filePath.components(separatedBy: "/Tests/")[0]

    /// The fenced TOML blocks of `page` that have a `[[notify]]` table.
    private func notifyBlocks(_ page: String) throws -> [String] {
        let text = try String(contentsOfFile: Self.root + "/" + page, encoding: .utf8)
        return text.components(separatedBy: "```toml\n").dropFirst().compactMap { part in
            let block = part.components(separatedBy: "```")[0]
            return block.contains("[[notify]]") ? block : nil
        }
    }

    func testTheDocumentedNotifiersConfigureTheirWebhooks() throws {
        for page in ["docs/configuration.md", "README.md"] {
            let blocks = try notifyBlocks(page)
            XCTAssertFalse(blocks.isEmpty, "\(page) shows a [[notify]] table")
            for block in blocks {
                var configuration = ServerConfiguration(environment: [:])
                try configuration.apply(fileText: block, file: page)
                try configuration.resolveNotifierFiles(source: page) { _ in "0123456789abcdef0123456789abcdef\n" }
                XCTAssertFalse(configuration.notifiers.isEmpty, page)
                for notifier in configuration.notifiers {
                    XCTAssertEqual(notifier.url.scheme, "https", "\(page): the examples send over https")
                    XCTAssertEqual(notifier.secret != nil, notifier.secretFile != nil, page)
                }
            }
        }
    }
}
