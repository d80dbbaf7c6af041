extension Collection {
    /// The collection cut into consecutive slices of `size` elements (the last may be shorter),
    /// made one at a time as they are read: the one way batches are cut, for statements with a
    /// bounded number of arguments and for output written a part at a time. Inlinable, so that
    /// each caller gets it specialised: it runs per decoded record in the store's hot loops.
    @inlinable
    public func chunks(of size: Int) -> UnfoldSequence<SubSequence, Index> {
        precondition(size > 0, "a chunk holds at least one element")
        return sequence(state: startIndex) { start in
            guard start != endIndex else { return nil }
            let end = index(start, offsetBy: size, limitedBy: endIndex) ?? endIndex
            defer { start = end }
            return self[start..<end]
        }
    }
}
