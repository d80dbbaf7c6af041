import MailTallyCLI

// Blocks from 256 KiB up (decompressed reports, raw inputs) get pages of their own that go
// back to the system when freed. glibc otherwise raises this threshold as large blocks are
// freed, serves them from its arenas, and keeps the freed pages: peak RSS grew with the size of
// an import (54 MB for 10,000 reports, 91 MB for 100,000; with the threshold 44 MB and 67 MB,
// and no slower). -3 is M_MMAP_THRESHOLD.
_ = mallopt(-3, 256 << 10)

MailTally.runAndExit()

/// glibc's `mallopt` (`malloc.h` is not part of the Glibc module).
@_silgen_name("mallopt")
func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
