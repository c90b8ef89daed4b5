/// An authenticated caller, as `GET /v1/whoami` returns it.
public struct Principal: Codable, Hashable, Sendable {
    public var id: String
    public var roles: [Role]
    public var groups: [String]

    public init(id: String, roles: [Role], groups: [String] = []) {
        self.id = id
        self.roles = roles
        self.groups = groups
    }

    public func has(_ role: Role) -> Bool { roles.contains(role) }
}
