import ArgumentParser
import TollgateCore

// The enums options take, parsed by argument-parser itself: a bad value is refused with the
// allowed ones listed (exit 2, as every usage error), and --help lists them too.

extension Risk: ExpressibleByArgument {}
extension ActionStatus: ExpressibleByArgument {}
extension Role: ExpressibleByArgument {}
extension RequesterKind: ExpressibleByArgument {}
