import Foundation
import XCTest

/// `tollgate demo` as a newcomer meets it: actions arrive, and an approval makes an agent act.
final class DemoTmuxTests: XCTestCase {
    func testDemoShowsSimulatedActionsAndAnApprovalExecutes() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-demo-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: home) }
        let binary = try TollgateBinary.url().path
        let tmux = try TmuxSession(
            self, command: "\(binary) demo --interval 2",
            environment: ["HOME": home.path, "XDG_CONFIG_HOME": home.path, "XDG_STATE_HOME": home.path])
        try tmux.waitFor("live")
        try tmux.waitFor("data.export", timeout: 60)
        try tmux.waitFor("iam.grant", timeout: 60)
        // The key works once the console knows who you are (whoami): its hint says so.
        try tmux.waitFor("a approve")
        try tmux.send("a")
        try tmux.waitFor("[y/N]")
        try tmux.send("y")
        // The decision's toast, then the agent's reaction as a toast; later toasts may replace
        // them quickly, so the agents' log printed on quitting is the authoritative check.
        try eventually(timeout: 30, "the approval was answered") {
            let screen = try tmux.screen()
            return screen.contains("Approved by you") || screen.contains("executed")
        }
        try tmux.send("q")
        let screen = try tmux.waitFor("What the demo agents did", timeout: 30)
        XCTAssertTrue(screen.contains("executed"), "an approved agent printed executed:\n\(screen)")
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: home.path)) ?? []
        XCTAssertEqual(leftovers, [], "the demo writes nothing into the user's config or state")
    }
}
