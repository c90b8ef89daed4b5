import GRDB

/// Every term the search index holds, so a long prefix can become an OR of real terms.
///
/// FTS5's own vocabulary table counts postings to list terms, as slow as the prefix query
/// it would replace. So `search_term` keeps the distinct terms, found by running the new
/// text through a scratch FTS5 table with the same tokenizer: the terms are exactly those
/// FTS5 indexes, with no tokenizer rewritten here. Terms of replaced text stay: one that
/// no longer occurs only adds an empty branch to the OR.
enum SearchVocabulary {
    /// More terms than this for one prefix, and the native prefix query is used instead.
    static let maximumExpansions = 64

    /// Adds the terms of `texts` (one array of column values per action).
    static func record(_ texts: [[String]], _ db: Database) throws {
        guard !texts.isEmpty else { return }
        try db.execute(
            sql: """
                CREATE VIRTUAL TABLE IF NOT EXISTS temp.term_scratch USING fts5(
                    text, content = '', detail = none, tokenize = 'unicode61 remove_diacritics 2');
                CREATE VIRTUAL TABLE IF NOT EXISTS temp.term_scratch_vocab USING fts5vocab(temp, term_scratch, 'row');
                """)
        let insert = try db.cachedStatement(sql: "INSERT INTO temp.term_scratch(text) VALUES (?)")
        for columns in texts {
            try insert.execute(arguments: [columns.joined(separator: "\n")])
        }
        try db.execute(
            sql: """
                INSERT OR IGNORE INTO search_term(term) SELECT term FROM temp.term_scratch_vocab;
                INSERT INTO temp.term_scratch(term_scratch) VALUES ('delete-all');
                """)
    }

    /// The MATCH text for `expression`, with its last word expanded when that is cheaper.
    static func match(_ expression: SearchExpression, _ db: Database) throws -> String {
        guard let split = expression.expandablePrefix else { return expression.match() }
        let prefix = split.prefix
        // ASCII prefix, so bumping its last byte gives the first string after all its extensions.
        var upper = Array(prefix.utf8)
        upper[upper.count - 1] += 1
        let terms = try String.fetchAll(
            db.cachedStatement(sql: "SELECT term FROM search_term WHERE term >= ? AND term < ? ORDER BY term LIMIT ?"),
            arguments: [prefix, String(decoding: upper, as: UTF8.self), maximumExpansions + 1])
        guard !terms.isEmpty, terms.count <= maximumExpansions else { return expression.match() }
        return expression.match(expansions: terms)
    }
}
