/// `Action`'s JSON written in one pass: the bytes the server stores, answers with and sends on
/// the feed, and the canonical digest document, from one walk over the members.
///
/// `JSONEncoder` was a large share of a submission's CPU (a tree of boxed values, then sorted;
/// BENCHMARKS.md, server capacity); this writes the same bytes directly. Both forms list members in sorted order, and
/// the digest document is the stored form without `decisions`, `digest`, `escalated_at`,
/// `redactions`, `resolved_at` and `status`, so one writer serves both (see `ActionDigest`).
extension Action {
    /// The bytes `JSONEncoder` writes for this action with `[.withoutEscapingSlashes, .sortedKeys]`,
    /// the form the server stores and sends.
    public var encodedJSON: [UInt8] {
        var writer = JSONWriter(capacity: 2_048)
        write(to: &writer, digestDocumentOnly: false)
        return writer.bytes
    }

    /// Writes the action, or with `digestDocumentOnly` its RFC 8785 digest document.
    ///
    /// The digest document has `claimed` and `rule` only when the action has them, so actions
    /// stored before policy existed keep the digests they were decided under.
    func write(to w: inout JSONWriter, digestDocumentOnly: Bool) {
        let all = !digestDocumentOnly
        w.raw("{")
        if all || claimed != nil {
            w.raw("\"claimed\":")
            if let claimed { claimed.write(to: &w) } else { w.raw("null") }
            w.raw(",")
        }
        w.raw("\"command\":"); w.string(command)
        w.raw(",\"context\":")
        w.array(context) { w, entry in
            w.raw("{\"key\":"); w.string(entry.key)
            w.raw(",\"value\":"); w.string(entry.value); w.raw("}")
        }
        w.raw(",\"created_at\":"); w.time(createdAt)
        if all {
            w.raw(",\"decisions\":")
            w.array(decisions) { w, decision in
                w.raw("{\"approver\":"); w.string(decision.approver)
                w.raw(",\"at\":"); w.time(decision.at)
                w.raw(",\"break_glass\":"); w.bool(decision.breakGlass)
                w.raw(",\"digest\":"); w.string(decision.digest)
                w.raw(",\"groups\":"); w.array(decision.groups) { w, group in w.string(group) }
                w.raw(",\"reason\":"); w.string(decision.reason)
                w.raw(",\"verdict\":"); w.string(decision.verdict.rawValue); w.raw("}")
            }
        }
        w.raw(",\"diffs\":")
        w.array(diffs) { w, diff in
            w.raw("{\"format\":"); w.string(diff.format)
            w.raw(",\"text\":"); w.string(diff.text)
            w.raw(",\"title\":"); w.string(diff.title); w.raw("}")
        }
        if all { w.raw(",\"digest\":"); w.string(digest) }
        w.raw(",\"environment\":"); w.string(environment)
        if all { w.raw(",\"escalated_at\":"); w.time(escalatedAt) }
        w.raw(",\"expires_at\":"); w.time(expiresAt)
        w.raw(",\"id\":"); w.string(id)
        w.raw(",\"justification\":"); w.string(justification)
        w.raw(",\"kind\":"); w.string(kind)
        w.raw(",\"policy\":{\"id\":"); w.string(policy.id)
        w.raw(",\"reason\":"); w.string(policy.reason); w.raw("}")
        if all { w.raw(",\"redactions\":"); w.int(Int64(redactions)) }
        w.raw(",\"requester\":{\"id\":"); w.string(requester.id)
        w.raw(",\"kind\":"); w.string(requester.kind.rawValue)
        w.raw(",\"on_behalf_of\":"); w.string(requester.onBehalfOf)
        w.raw(",\"session\":"); w.string(requester.session); w.raw("}")
        w.raw(",\"required_approvals\":"); w.int(Int64(requiredApprovals))
        if all { w.raw(",\"resolved_at\":"); w.time(resolvedAt) }
        w.raw(",\"resource\":"); w.string(resource)
        w.raw(",\"risk\":"); w.string(risk.rawValue)
        if all || rule != nil {
            w.raw(",\"rule\":")
            if let rule { rule.write(to: &w) } else { w.raw("null") }
        }
        if all { w.raw(",\"status\":"); w.string(status.rawValue) }
        w.raw(",\"summary\":"); w.string(summary); w.raw("}")
    }
}

extension RequesterClaim {
    /// The claim's members in sorted order, as `JSONEncoder` writes them.
    func write(to w: inout JSONWriter) {
        w.raw("{\"policy\":")
        if let policy {
            w.raw("{\"id\":"); w.string(policy.id)
            w.raw(",\"reason\":"); w.string(policy.reason); w.raw("}")
        } else {
            w.raw("null")
        }
        w.raw(",\"required_approvals\":"); w.int(Int64(requiredApprovals))
        w.raw(",\"risk\":"); w.string(risk.rawValue)
        w.raw(",\"ttl_seconds\":"); w.int(ttlSeconds); w.raw("}")
    }
}

extension AppliedRule {
    /// The rule's members in sorted order, as `JSONEncoder` writes them.
    func write(to w: inout JSONWriter) {
        w.raw("{\"approvals\":"); w.int(Int64(approvals))
        w.raw(",\"groups\":")
        w.array(groups) { w, minimum in
            w.raw("{\"count\":"); w.int(Int64(minimum.count))
            w.raw(",\"group\":"); w.string(minimum.group); w.raw("}")
        }
        w.raw(",\"id\":"); w.string(id)
        w.raw(",\"justification\":"); w.string(justificationRequired ? "required" : "optional")
        w.raw(",\"max_ttl_seconds\":"); w.int(maxTTLSeconds)
        w.raw(",\"outcome\":"); w.string(outcome.rawValue)
        w.raw(",\"reason\":"); w.string(reason)
        w.raw(",\"risk\":"); w.string(risk?.rawValue); w.raw("}")
    }
}
