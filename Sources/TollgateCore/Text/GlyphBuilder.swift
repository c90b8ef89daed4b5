/// Turns the scalars of one line of untrusted text into safe glyphs, one pass, no look-back.
///
/// Clusters are built here by rules written for display safety rather than taken from
/// `Character`: a Swift grapheme cluster may be megabytes of combining marks, and it glues
/// tag characters and joiners to anything. Here a cluster keeps at most `maxCombining` marks,
/// joins emoji only to emoji, and takes tag characters only as one of the three
/// recommended subdivision flags; everything else invisible becomes a placeholder.
/// `DisplayWidth.of(_: String)` measures by the same rules.
struct GlyphBuilder {
    // MARK: - Configuration

    private let asciiOnly: Bool
    private let tabWidth: Int
    private let maxCombining: Int
    private let columnLimit: Int
    private let plainASCII: [DisplayGlyph]
    private let dimASCII: [DisplayGlyph]
    private let reservation: Int

    // MARK: - State

    private var glyphs: [DisplayGlyph] = []
    /// Columns taken by `glyphs`.
    private var column = 0
    private var escape = EscapeSequenceTracker()
    /// A printable ASCII character waiting to see whether marks follow it (0: none). The cheap
    /// form of `cluster`, so plain text never builds a `String`; the two are never both set.
    private var pendingASCII: UInt8 = 0
    private var pendingASCIIIsPlaceholder = false
    private var cluster: Cluster?
    /// A ZWJ followed an emoji; it joins the cluster only if an emoji comes next.
    private var joinPending = false
    /// Tag characters (as the ASCII they mirror) held while they may still spell a subdivision flag.
    private var tagBuffer: [UInt8] = []
    /// A `⟨TAG:` placeholder has been opened and tag characters stream into it.
    private var tagRunOpen = false

    /// Tag sequences that follow U+1F3F4 in the recommended flags of England, Scotland and Wales.
    private static let subdivisionFlags: [[UInt8]] = ["gbeng", "gbsct", "gbwls"].map { Array($0.utf8) }
    private static let longestSubdivisionFlag = 5

    private static let asciiGlyphs: (plain: [DisplayGlyph], dim: [DisplayGlyph]) = {
        let texts = (0x20..<0x7F).map { String(UnicodeScalar(UInt8($0))) }
        return (
            texts.map { DisplayGlyph(text: $0, width: 1, isPlaceholder: false) },
            texts.map { DisplayGlyph(text: $0, width: 1, isPlaceholder: true) }
        )
    }()

    /// - Parameters:
    ///   - maxColumns: once the line is wider than this, `isFull` is true and the caller may
    ///     stop feeding; the finished line is then a prefix of the unlimited one.
    ///   - expectedColumns: a guess at a line's width, to size the glyph buffer once; long
    ///     lines still grow it as they go, so a huge guess cannot reserve a huge buffer.
    init(options: SanitizeOptions, maxColumns: Int?, expectedColumns: Int) {
        asciiOnly = options.asciiOnly
        tabWidth = options.clampedTabWidth
        maxCombining = options.clampedMaxCombining
        columnLimit = maxColumns.map { max(0, $0) } ?? Int.max
        (plainASCII, dimASCII) = Self.asciiGlyphs
        reservation = min(expectedColumns, columnLimit, 512) + 1
    }

    /// The line is wider than the column limit: more input cannot change what is shown.
    var isFull: Bool { column > columnLimit }

    // MARK: - Input

    /// Takes one scalar that is not a line break.
    mutating func feed(_ scalar: Unicode.Scalar) {
        let value = scalar.value
        // Fast path: printable ASCII in plain text, nothing pending that it could complete.
        if value &- 0x20 < 0x5F, escape.isGround, !joinPending, !tagRunOpen, tagBuffer.isEmpty {
            flushPending()
            pendingASCII = UInt8(truncatingIfNeeded: value)
            pendingASCIIIsPlaceholder = false
            return
        }
        feedSlowly(scalar)
    }

    /// Ends the line here and shows the break as a placeholder (one-line cells).
    mutating func showLineBreak() {
        endOfText()
        escape.reset()
        emitPlaceholder(Placeholder.lineBreak(ascii: asciiOnly))
    }

    /// The finished line; the builder starts a new, empty one.
    mutating func finishLine() -> [DisplayGlyph] {
        endOfText()
        escape.reset()
        let line = glyphs
        glyphs = []
        column = 0
        return line
    }

    // MARK: - Classification

    private mutating func feedSlowly(_ scalar: Unicode.Scalar) {
        let value = scalar.value
        let inSequence = escape.consume(scalar)

        if joinPending {
            joinPending = false
            if DisplayWidth.isPictographic(scalar), cluster?.canJoin == true {
                cluster?.join(scalar)
                return
            }
            emitPlaceholder(Placeholder.bracketed("ZWJ", ascii: asciiOnly))
        }
        if (0xE0020...0xE007E).contains(value) {
            feedTag(UInt8(truncatingIfNeeded: value - 0xE0000))
            return
        }
        if value == 0xE007F {
            feedCancelTag()
            return
        }
        if tagRunOpen || !tagBuffer.isEmpty { closeTagRun() }

        switch value {
        case 0x09:
            expandTab()
        case 0x00..<0x20, 0x7F:
            emitPlaceholder(Placeholder.control(value, ascii: asciiOnly))
        case 0x20..<0x7F:
            flushPending()
            pendingASCII = UInt8(truncatingIfNeeded: value)
            pendingASCIIIsPlaceholder = inSequence
        case 0x80..<0xA0:
            emitPlaceholder(Placeholder.coded(value, ascii: asciiOnly))
        case 0x200D:
            if cluster?.canJoin == true {
                joinPending = true
            } else {
                emitPlaceholder(Placeholder.bracketed("ZWJ", ascii: asciiOnly))
            }
        case 0xFE00...0xFE0F, 0xE0100...0xE01EF:
            if pendingASCII != 0 || cluster != nil {
                attachMark(scalar)
            } else {
                let name = Placeholder.variationSelectorName(value) ?? Placeholder.codePoint(value)
                emitPlaceholder(Placeholder.bracketed(name, ascii: asciiOnly))
            }
        case 0x1F3FB...0x1F3FF:
            if cluster?.takesModifier == true {
                cluster?.takeModifier(scalar)
            } else {
                startCluster(scalar, width: 2, isPlaceholder: inSequence)
            }
        case 0x1F1E6...0x1F1FF:
            if cluster?.isOpenRegionalIndicator == true {
                cluster?.closeRegionalIndicatorPair(scalar)
            } else {
                startCluster(scalar, width: 1, isPlaceholder: inSequence)
                cluster?.isOpenRegionalIndicator = true
            }
        case 0x1160, 0xD7C7...0xD7CA, 0xD7FC...0xD7FF:
            // The Hangul jungseong filler draws nothing; the others are unassigned.
            emitPlaceholder(Placeholder.coded(value, ascii: asciiOnly))
        case 0x1161...0x11FF, 0xD7B0...0xD7FB:
            if (cluster?.jamoRoom ?? 0) > 0 {
                cluster?.attachJamo(scalar)
            } else {
                startOrphan(scalar)
            }
        default:
            feedOther(scalar, isPlaceholder: inSequence)
        }
    }

    /// Everything not singled out by code point: decided by name, category and default-ignorability.
    private mutating func feedOther(_ scalar: Unicode.Scalar, isPlaceholder: Bool) {
        let value = scalar.value
        if let name = Placeholder.name(of: value) {
            emitPlaceholder(Placeholder.bracketed(name, ascii: asciiOnly))
            return
        }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .nonspacingMark, .enclosingMark:
            if properties.isDefaultIgnorableCodePoint {
                emitPlaceholder(Placeholder.coded(value, ascii: asciiOnly))
            } else {
                attachMark(scalar)
            }
        case .format, .privateUse, .unassigned, .surrogate, .control, .lineSeparator, .paragraphSeparator:
            emitPlaceholder(Placeholder.coded(value, ascii: asciiOnly))
        case .spaceSeparator where value != 0x3000:
            // Spaces that look like U+0020 but are not: a command's meaning can hide in them.
            emitPlaceholder(Placeholder.coded(value, ascii: asciiOnly))
        default:
            if properties.isDefaultIgnorableCodePoint {
                emitPlaceholder(Placeholder.coded(value, ascii: asciiOnly))
            } else {
                // Marks, formats and conjoining jamo are gone by now: what is left takes 1 or 2 columns.
                let width = WideCharacterTable.contains(value) ? 2 : 1
                startCluster(scalar, width: width, isPlaceholder: isPlaceholder)
            }
        }
    }

    // MARK: - Clusters

    private mutating func startCluster(_ scalar: Unicode.Scalar, width: Int, isPlaceholder: Bool) {
        flushPending()
        cluster = Cluster(base: scalar, width: width, isPlaceholder: isPlaceholder)
    }

    /// A combining mark with nothing to combine with: a dotted circle carries it, so it cannot
    /// reach back into whatever the terminal drew in the cell before.
    private mutating func startOrphan(_ mark: Unicode.Scalar) {
        flushPending()
        var orphan = Cluster(base: Placeholder.dottedCircle, width: 1, isPlaceholder: true)
        orphan.hasDottedCircle = true
        orphan.attachMark(mark, limit: maxCombining)
        cluster = orphan
    }

    /// A mark joins the cluster before it and shares its dimming: it draws in the same cell.
    private mutating func attachMark(_ mark: Unicode.Scalar) {
        if pendingASCII != 0 {
            cluster = Cluster(ascii: pendingASCII, isPlaceholder: pendingASCIIIsPlaceholder)
            pendingASCII = 0
        }
        if cluster == nil {
            startOrphan(mark)
        } else {
            cluster?.attachMark(mark, limit: maxCombining)
        }
    }

    private mutating func flushPending() {
        if pendingASCII != 0 {
            append(asciiGlyph(pendingASCII, isPlaceholder: pendingASCIIIsPlaceholder))
            pendingASCII = 0
        } else if let finished = cluster {
            cluster = nil
            emit(finished)
        }
    }

    private mutating func emit(_ finished: Cluster) {
        if asciiOnly {
            spellInASCII(finished)
        } else {
            append(DisplayGlyph(text: String(finished.text), width: finished.width, isPlaceholder: finished.isPlaceholder))
        }
        if finished.excessMarks > 0 {
            emitPlaceholder(Placeholder.excessMarks(finished.excessMarks, ascii: asciiOnly))
        }
    }

    /// An ASCII terminal gets a cluster's ASCII as it is and every other scalar spelled out.
    private mutating func spellInASCII(_ finished: Cluster) {
        var scalars = finished.text[...]
        if finished.hasDottedCircle { scalars = scalars.dropFirst() }
        for scalar in scalars {
            let value = scalar.value
            if value &- 0x20 < 0x5F {
                append(asciiGlyph(UInt8(truncatingIfNeeded: value), isPlaceholder: finished.isPlaceholder))
            } else {
                emitPlaceholder(Placeholder.asciiSpelling(scalar))
            }
        }
    }

    // MARK: - Tags

    private mutating func feedTag(_ mirrored: UInt8) {
        if tagRunOpen {
            appendPlaceholderCell(mirrored)
        } else if cluster?.isBareBlackFlag == true, tagBuffer.count < Self.longestSubdivisionFlag {
            tagBuffer.append(mirrored)
        } else {
            openTagRun()
            appendPlaceholderCell(mirrored)
        }
    }

    private mutating func feedCancelTag() {
        if !tagRunOpen, cluster?.isBareBlackFlag == true, Self.subdivisionFlags.contains(tagBuffer) {
            cluster?.attachSubdivisionTags(tagBuffer)
            tagBuffer.removeAll(keepingCapacity: true)
            return
        }
        closeTagRun()
        emitPlaceholder(Placeholder.bracketed("CANCEL TAG", ascii: asciiOnly))
    }

    /// Tag characters outside a flag mirror ASCII invisibly ("ASCII smuggling"): show what they spell.
    private mutating func openTagRun() {
        emitPlaceholder(Placeholder.tagRunOpening(ascii: asciiOnly))
        for mirrored in tagBuffer { appendPlaceholderCell(mirrored) }
        tagBuffer.removeAll(keepingCapacity: true)
        tagRunOpen = true
    }

    private mutating func closeTagRun() {
        if !tagRunOpen {
            guard !tagBuffer.isEmpty else { return }
            openTagRun()
        }
        emitPlaceholder(Placeholder.close(ascii: asciiOnly))
        tagRunOpen = false
    }

    // MARK: - Output

    private mutating func expandTab() {
        flushPending()
        for _ in 0..<(tabWidth - column % tabWidth) { append(.space) }
    }

    private mutating func endOfText() {
        if isFull {
            // What is still pending lies past the limit: dropping it keeps the glyphs an exact
            // prefix of the unlimited line.
            pendingASCII = 0
            cluster = nil
            joinPending = false
            tagBuffer.removeAll(keepingCapacity: true)
            tagRunOpen = false
            return
        }
        if joinPending {
            joinPending = false
            emitPlaceholder(Placeholder.bracketed("ZWJ", ascii: asciiOnly))
        }
        if tagRunOpen || !tagBuffer.isEmpty { closeTagRun() }
        flushPending()
    }

    /// Placeholder text, one glyph per cell; each character is a single column in its mode.
    private mutating func emitPlaceholder(_ text: String) {
        flushPending()
        for character in text {
            append(DisplayGlyph(text: String(character), width: 1, isPlaceholder: true))
        }
    }

    /// One printable ASCII character as a placeholder cell.
    private mutating func appendPlaceholderCell(_ value: UInt8) {
        append(asciiGlyph(value, isPlaceholder: true))
    }

    /// A printable ASCII character's glyph from the prebuilt tables. Reading through a buffer
    /// pointer spares a retain and release of the table on every character of the hot path.
    @inline(__always)
    private func asciiGlyph(_ value: UInt8, isPlaceholder: Bool) -> DisplayGlyph {
        let index = Int(value) - 0x20
        return isPlaceholder
            ? dimASCII.withUnsafeBufferPointer { $0[index] }
            : plainASCII.withUnsafeBufferPointer { $0[index] }
    }

    @inline(__always)
    private mutating func append(_ glyph: consuming DisplayGlyph) {
        // Sized on a line's first glyph, so a line that never comes allocates nothing.
        if glyphs.isEmpty { glyphs.reserveCapacity(reservation) }
        column += glyph.width
        glyphs.append(glyph)
    }
}

// MARK: - Cluster

/// The cluster being built: a base and what has attached to it so far.
private struct Cluster {
    var text: String.UnicodeScalarView
    var width: Int
    var isPlaceholder: Bool
    var hasDottedCircle = false
    var marks = 0
    var excessMarks = 0
    var widensWithVS16: Bool
    var canJoin: Bool
    var joins = 0
    var takesModifier: Bool
    var isOpenRegionalIndicator = false
    /// Conjoining Hangul vowels and finals the base can still take.
    var jamoRoom: Int
    var isBareBlackFlag: Bool

    init(ascii value: UInt8, isPlaceholder: Bool) {
        text = String.UnicodeScalarView()
        text.append(UnicodeScalar(value))
        width = 1
        self.isPlaceholder = isPlaceholder
        widensWithVS16 = DisplayWidth.isKeycapBase(UInt32(value))
        canJoin = false
        takesModifier = false
        jamoRoom = 0
        isBareBlackFlag = false
    }

    init(base scalar: Unicode.Scalar, width: Int, isPlaceholder: Bool) {
        text = String.UnicodeScalarView()
        text.append(scalar)
        self.width = width
        self.isPlaceholder = isPlaceholder
        let value = scalar.value
        // No emoji lies below U+00A9; skip the property look-ups for most scripts.
        let isEmoji = value >= 0xA9 && scalar.properties.isEmoji
        widensWithVS16 = isEmoji
        canJoin = isEmoji && DisplayWidth.isPictographic(scalar)
        takesModifier = isEmoji && scalar.properties.isEmojiModifierBase
        jamoRoom = Self.jamoRoom(after: value)
        isBareBlackFlag = value == 0x1F3F4
    }

    /// A leading consonant takes a vowel and a final; an LV syllable takes a final.
    private static func jamoRoom(after value: UInt32) -> Int {
        switch value {
        case 0x1100...0x115E, 0xA960...0xA97C: 2
        case 0xAC00...0xD7A3: (value - 0xAC00) % 28 == 0 ? 1 : 0
        default: 0
        }
    }

    mutating func attachMark(_ mark: Unicode.Scalar, limit: Int) {
        guard marks < limit else {
            excessMarks += 1
            return
        }
        text.append(mark)
        marks += 1
        isBareBlackFlag = false
        if mark.value == 0xFE0F, widensWithVS16, width == 1 {
            width = 2
        }
    }

    /// Appends a ZWJ and the emoji after it; each component may take its own marks and modifier.
    mutating func join(_ emoji: Unicode.Scalar) {
        text.append("\u{200D}")
        text.append(emoji)
        joins += 1
        marks = 0
        canJoin = joins < DisplayWidth.maxJoins
        takesModifier = emoji.properties.isEmojiModifierBase
        widensWithVS16 = false
        width = 2
        isBareBlackFlag = false
    }

    mutating func takeModifier(_ modifier: Unicode.Scalar) {
        text.append(modifier)
        takesModifier = false
        width = 2
        isBareBlackFlag = false
    }

    mutating func closeRegionalIndicatorPair(_ indicator: Unicode.Scalar) {
        text.append(indicator)
        isOpenRegionalIndicator = false
        width = 2
    }

    mutating func attachJamo(_ jamo: Unicode.Scalar) {
        text.append(jamo)
        jamoRoom -= 1
    }

    mutating func attachSubdivisionTags(_ mirrored: [UInt8]) {
        for value in mirrored {
            if let tag = Unicode.Scalar(0xE0000 + UInt32(value)) { text.append(tag) }
        }
        text.append("\u{E007F}")
        isBareBlackFlag = false
        takesModifier = false
        canJoin = false
    }
}
