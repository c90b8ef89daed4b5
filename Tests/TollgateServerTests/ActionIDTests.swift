import TollgateCore
import XCTest

@testable import TollgateServer

/// Action ids carry their creation time: what `ActionID.make` writes, `ActionID.createdAt`
/// reads back, and anything `make` could not have written reads as nil.
final class ActionIDTests: XCTestCase {
    /// Ids worked out by hand from the layout (48-bit milliseconds, then 80 random bits, five
    /// bits a character, most significant first), so both directions are checked against
    /// something other than each other.
    func testKnownIdsDecodeToTheirTimes() {
        let known: [(String, Int64)] = [
            ("act_00000000000000000000000000", 0),
            ("act_00000000010000000000000000", 1),
            ("act_01hf7yat000000000000000000", 1_700_000_000_000),
            ("act_01hf7yat00zzzzzzzzzzzzzzzz", 1_700_000_000_000),
            ("act_7zzzzzzzzzzzzzzzzzzzzzzzzz", 0xFFFF_FFFF_FFFF),
        ]
        for (id, milliseconds) in known {
            XCTAssertEqual(ActionID.createdAt(id), Timestamp(milliseconds: milliseconds), id)
        }
    }

    func testMadeIdsStartWithTheirTimeAndDecodeBackToIt() {
        let times: [Int64] = [0, 1, 1_700_000_000_000, Timestamp.now().milliseconds, 0xFFFF_FFFF_FFFF]
        for milliseconds in times {
            let at = Timestamp(milliseconds: milliseconds)
            let id = ActionID.make(at: at)
            XCTAssertEqual(ActionID.createdAt(id), at, id)
        }
        XCTAssertTrue(ActionID.make(at: Timestamp(milliseconds: 1_700_000_000_000)).hasPrefix("act_01hf7yat00"))
        XCTAssertTrue(ActionID.make(at: Timestamp(milliseconds: 1)).hasPrefix("act_0000000001"))
    }

    /// Ids are read back from storage: whatever is there gives nil, never a trap.
    func testWhatMakeCouldNotHaveWrittenIsNil() {
        let malformed = [
            "", "act_", "act_1", "act_0000000000000000000000000", "act_000000000000000000000000000",
            "dlv_00000000000000000000000000", "ACT_00000000000000000000000000", "act_01HF7YAT000000000000000000",
            "act_01hf7yat00000000000000000u", "act_01hf7yat0000000000000000o0", "act_0i000000000000000000000000",
            "act_0l000000000000000000000000", "act_80000000000000000000000000", "act_z0000000000000000000000000",
            "act_01hf7yat0000000000000000é", "act_01hf7yat000000000000000000\n", " act_01hf7yat000000000000000000",
            "act_01hf7yat0000000000000000-0", "act_01hf7yat00000000000000000\u{0}",
        ]
        for id in malformed {
            XCTAssertNil(ActionID.createdAt(id), id.debugDescription)
        }
    }
}
