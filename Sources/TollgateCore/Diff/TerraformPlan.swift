/// A Terraform plan, parsed once per diff for the detail's summary and a scrolling diff view.
///
/// Two sources give the same shape: the text of `terraform plan` / `terraform show`
/// (`init(text:)`, format `terraform-plan`), whose own lines are kept with their colour codes
/// removed, and `terraform show -json` (`init(json:)`, format `terraform-plan-json`), rendered
/// into lines in terraform's style (`# aws_instance.web will be destroyed`, then the attributes
/// before and after; sensitive values as `(sensitive value)`, never in clear).
///
/// Like `UnifiedDiff`, it keeps one string and a small record per line: `line(at:)` is O(1) and
/// slices the text only when asked. The text is the agent's: it goes through `TextSanitizer`
/// before any terminal sees it.
///
/// ```swift
/// guard let plan = TerraformPlan(diff: action.diffs[0]) else { return }  // nil: not a plan
/// header(plan.summary.text, alert: plan.summary.destroyed + plan.summary.replaced)
/// for index in visibleRows { draw(plan.line(at: index)) }  // colour by line.kind
/// ```
///
/// Limits (hostile input): a JSON plan nests at most `JSONReader.maximumDepth` (100) levels and
/// holds at most `TerraformPlanJSON.maximumValues` values, or it is refused; a rendering stops
/// at `TerraformPlanRenderer.maximumLines` lines or `maximumBytes` bytes with a last line saying
/// so (the summary still counts every resource). Both parsers are one linear pass.
public struct TerraformPlan: Sendable {
    private let storage: String
    private let records: [PlanLineRecord]
    /// The resources the plan changes, in plan order (no-op resources are left out).
    public let resources: [PlanResource]
    /// What the plan does, counted from `resources`.
    public let summary: PlanSummary

    init(storage: String, records: [PlanLineRecord], resources: [PlanResource]) {
        self.storage = storage
        self.records = records
        self.resources = resources
        self.summary = PlanSummary(resources)
    }

    /// The plan for `diff`, or nil when its format is not a plan format.
    ///
    /// A `terraform-plan-json` diff that is not a JSON plan (the server refuses those, so only
    /// an action stored before it did) becomes its raw text as context lines after a heading
    /// that says why, so the approver still reads what was sent.
    public init?(diff: ActionDiff) {
        switch diff.format {
        case DiffFormat.terraformPlan:
            self.init(text: diff.text)
        case DiffFormat.terraformPlanJSON:
            do {
                self = try TerraformPlan(json: diff.text)
            } catch {
                self = TerraformPlanText.unreadable(diff.text, because: error)
            }
        default:
            return nil
        }
    }

    /// Parses the text of `terraform plan` or `terraform show`; never fails.
    ///
    /// Colour codes (SGR sequences, `ESC [ … m`) are removed and never trusted: a line's kind
    /// comes from its marker (`+`, `-`, `~`, `-/+`, `+/-`, `<=`), a resource from its
    /// `# ADDRESS will be …` / `must be replaced` heading. Other escape sequences stay in the
    /// text for the sanitiser to show.
    public init(text: String) {
        self = TerraformPlanText.parse(text)
    }

    /// Parses and renders `terraform show -json` output.
    ///
    /// Throws when the text is not JSON, nests too deep, is too large, or is not a plan
    /// (`resource_changes` entries need a string `address` and `change.actions`, an array of strings).
    public init(json: String) throws(TerraformPlanError) {
        let document = try TerraformPlanJSON(json)
        self = TerraformPlanRenderer.render(document)
    }

    // MARK: - Lines

    public var lineCount: Int { records.count }

    /// The line at `index` (in `0..<lineCount`), its text sliced from the stored text; O(1).
    public func line(at index: Int) -> PlanLine {
        let record = records[index]
        return PlanLine(
            kind: record.kind, text: UnifiedDiff.slice(storage, record.start, record.end),
            resourceIndex: record.resource == PlanLineRecord.noResource ? nil : Int(record.resource))
    }

    // MARK: - Navigation

    /// The heading line of the first resource after `lineIndex`, if any.
    public func resource(after lineIndex: Int) -> Int? {
        let i = UnifiedDiff.firstIndex(in: resources) { $0.headingLine > lineIndex }
        return i < resources.count ? resources[i].headingLine : nil
    }

    /// The heading line of the last resource before `lineIndex`, if any.
    public func resource(before lineIndex: Int) -> Int? {
        let i = UnifiedDiff.firstIndex(in: resources) { $0.headingLine >= lineIndex }
        return i > 0 ? resources[i - 1].headingLine : nil
    }
}

extension TerraformPlan: RandomAccessCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { records.count }
    public subscript(position: Int) -> PlanLine { line(at: position) }
}

/// One line of a plan, as the diff view shows it.
public struct PlanLine: Hashable, Sendable {
    /// How a line is coloured: like a diff, by terraform's own markers.
    public enum Kind: Hashable, Sendable {
        /// A resource heading (`# aws_instance.web will be destroyed`) or a section line (`Plan: …`).
        case heading
        /// `+`: created, or an attribute added.
        case added
        /// `-`: destroyed, or an attribute removed.
        case removed
        /// `~`: updated in place.
        case changed
        /// `-/+` or `+/-`: replaced.
        case replaced
        /// `<=`: a data source read during apply.
        case read
        /// Anything else: unchanged attributes, closing braces, notes, blank lines.
        case context
    }

    public var kind: Kind
    /// The whole line as terraform prints it (indentation and marker included), without colour
    /// codes or line ending.
    public var text: Substring
    /// Index into `TerraformPlan.resources` of the resource the line belongs to, if any.
    public var resourceIndex: Int?

    public init(kind: Kind, text: Substring, resourceIndex: Int? = nil) {
        self.kind = kind
        self.text = text
        self.resourceIndex = resourceIndex
    }

    /// The part of the line that says what the plan will make, where danger marks look:
    /// all of an added line, the new side of a changed or replaced one (after its first ` -> `),
    /// nothing of a removed, read, heading or context line.
    public var newSide: Substring? {
        switch kind {
        case .added: return text
        case .changed, .replaced:
            guard let arrow = text.range(of: " -> ") else { return text }
            return text[arrow.upperBound...]
        case .removed, .read, .heading, .context: return nil
        }
    }
}

/// What a plan does to one resource.
public enum PlanAction: String, Hashable, Sendable, CaseIterable {
    case create, update, replace, destroy, read
    /// Removed from the state without being destroyed (`removed` blocks, terraform 1.7+).
    case forget
}

/// One resource the plan changes.
public struct PlanResource: Hashable, Sendable {
    /// Its address (`module.net.aws_security_group.web["a"]`), as the plan wrote it.
    public var address: String
    public var action: PlanAction
    /// The line index of its heading.
    public var headingLine: Int

    public init(address: String, action: PlanAction, headingLine: Int) {
        self.address = address
        self.action = action
        self.headingLine = headingLine
    }
}

/// What a plan does, for the top of the detail: counts, and the addresses an approver must not miss.
public struct PlanSummary: Hashable, Sendable {
    public var add = 0
    public var change = 0
    public var replace = 0
    public var destroy = 0
    public var read = 0
    public var forget = 0
    /// Addresses destroyed, in plan order (the alert role's list).
    public var destroyed: [String] = []
    /// Addresses replaced (destroyed and created again), in plan order.
    public var replaced: [String] = []

    public init(_ resources: [PlanResource]) {
        for resource in resources {
            switch resource.action {
            case .create: add += 1
            case .update: change += 1
            case .replace:
                replace += 1
                replaced.append(resource.address)
            case .destroy:
                destroy += 1
                destroyed.append(resource.address)
            case .read: read += 1
            case .forget: forget += 1
            }
        }
    }

    /// True when the plan changes nothing.
    public var isEmpty: Bool { add + change + replace + destroy + read + forget == 0 }

    /// `1 to add, 2 to change, 1 to replace, 3 to destroy` (reads and forgets only when there are
    /// some), or `no changes`.
    public var text: String {
        var parts = ["\(add) to add", "\(change) to change", "\(replace) to replace", "\(destroy) to destroy"]
        if read > 0 { parts.append("\(read) to read") }
        if forget > 0 { parts.append("\(forget) to forget") }
        return isEmpty ? "no changes" : parts.joined(separator: ", ")
    }
}

/// Why a text is not a JSON plan: one line, naming where, quoting nothing of the input.
public struct TerraformPlanError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What `TerraformPlan` keeps per line: a few integers, never the text.
struct PlanLineRecord: Sendable {
    static let noResource: Int32 = -1

    var kind: PlanLine.Kind
    /// UTF-8 offsets of the line in the stored text, without its line ending.
    var start: Int
    var end: Int
    var resource: Int32
}
