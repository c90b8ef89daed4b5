import TollgateCore
import XCTest

/// Which hosts count as loopback, where a webhook may use plain HTTP: only names that cannot
/// point elsewhere. Each refusal is a host an attacker (or a careless operator) could make
/// resolve to another machine, or a spelling a resolver might read differently.
final class LoopbackHostTests: XCTestCase {
    func testLoopbackSpellingsAreAccepted() {
        for host in ["127.0.0.1", "127.255.255.254", "127.0.0.0", "127.1.2.3", "localhost", "LOCALHOST", "localhost.", "::1", "[::1]", "0:0:0:0:0:0:0:1"] {
            XCTAssertTrue(LoopbackHost.contains(host), host)
        }
    }

    /// Names that merely start like loopback are ordinary DNS names, which anyone can point anywhere.
    func testNamesThatLookLikeLoopbackAreRefused() {
        for host in ["127.example.com", "127.0.0.1.nip.io", "localhost.evil.com", "evil-localhost", "localhost.localdomain", "127.0.0.1.", "x127.0.0.1"] {
            XCTAssertFalse(LoopbackHost.contains(host), host)
        }
    }

    /// Anything but a dotted quad of decimal parts up to 255: resolvers read short, hex, octal
    /// or single-number forms in ways of their own, so none is trusted.
    func testOtherNumericFormsAreRefused() {
        for host in [
            "1270.0.0.1", "127.0.0", "127.0.0.256", "127.0.0.1000", "127..0.1", "127.0.0.-1", "127.0.0.+1", "0x7f.0.0.1", "0177.0.0.1",
            "2130706433", "127.0.0.1/8", "127.0.0.1:80", "１２７.0.0.1", "127.0.0.١",
        ] {
            XCTAssertFalse(LoopbackHost.contains(host), host)
        }
    }

    func testOtherAddressesAndNothingAreRefused() {
        for host in ["", "[]", "::2", "[::2]", "::", "::ffff:8.8.8.8", "10.0.0.1", "128.0.0.1", "0.0.0.0", "126.255.255.255", "1.127.0.0", "example.com"] {
            XCTAssertFalse(LoopbackHost.contains(host), host)
        }
    }
}
