/// Follows ECMA-48 escape sequences through untrusted text so their bodies can be shown dimmed.
///
/// This is presentation only, never protection: every control character is replaced by a
/// placeholder whatever this tracker thinks, and once the ESC (or C1 introducer) is gone the
/// rest of a sequence is inert printable text. Marking `␛[2J` or `␛]52;c;…␇` as one dimmed
/// run tells the approver it was an escape sequence rather than words the agent wrote.
struct EscapeSequenceTracker {
    private enum State {
        case ground
        /// After ESC.
        case escape
        /// After ESC and intermediate bytes, before the final byte (`ESC ( B`).
        case escapeIntermediate
        /// Control sequence: parameters and intermediates up to a final byte.
        case controlSequence
        /// OSC, DCS, SOS, PM, APC: a string ended by BEL or ST.
        case string
        /// ESC inside a string: the start of ST (`ESC \`) or of a new sequence.
        case stringEscape
    }

    private var state = State.ground

    /// True when printable text passes through unchanged: the fast path may skip `consume`.
    var isGround: Bool { state == .ground }

    /// Advances over one scalar; returns whether it belongs to an escape sequence.
    mutating func consume(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        switch value {
        case 0x1B:
            state = state == .string ? .stringEscape : .escape
            return true
        case 0x9B:
            state = .controlSequence
            return true
        case 0x90, 0x98, 0x9D, 0x9E, 0x9F:
            state = .string
            return true
        case 0x9C:
            let wasInSequence = state != .ground
            state = .ground
            return wasInSequence
        default:
            break
        }
        switch state {
        case .ground:
            return false
        case .escape:
            return afterEscape(value)
        case .escapeIntermediate:
            switch value {
            case 0x20...0x2F: return true
            case 0x30...0x7E: state = .ground; return true
            default: state = .ground; return false
            }
        case .controlSequence:
            switch value {
            case 0x20...0x3F: return true
            case 0x40...0x7E: state = .ground; return true
            default: state = .ground; return false
            }
        case .string:
            if value == 0x07 { state = .ground }
            return true
        case .stringEscape:
            if value == 0x5C {
                state = .ground
                return true
            }
            return afterEscape(value)
        }
    }

    /// Back to plain text, as at the start of a line.
    mutating func reset() {
        state = .ground
    }

    private mutating func afterEscape(_ value: UInt32) -> Bool {
        switch value {
        case 0x5B:  // [
            state = .controlSequence
        case 0x5D, 0x50, 0x58, 0x5E, 0x5F:  // ] P X ^ _
            state = .string
        case 0x20...0x2F:
            state = .escapeIntermediate
        case 0x30...0x7E:
            state = .ground
        default:
            state = .ground
            return false
        }
        return true
    }
}
