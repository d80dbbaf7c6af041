extension Collection {
    /// The collection cut into consecutive slices of `size` elements (the last may be shorter):
    /// the one way batches are cut, for statements with a bounded number of arguments and for
    /// output written a part at a time.
    public func chunks(of size: Int) -> [SubSequence] {
        precondition(size > 0, "a chunk holds at least one element")
        var chunks: [SubSequence] = []
        chunks.reserveCapacity((count + size - 1) / size)
        var start = startIndex
        while start != endIndex {
            let end = index(start, offsetBy: size, limitedBy: endIndex) ?? endIndex
            chunks.append(self[start..<end])
            start = end
        }
        return chunks
    }
}
