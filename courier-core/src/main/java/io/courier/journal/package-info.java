/**
 * The durable storage engine under Courier's delivery guarantees: an append-only log of opaque records with dense
 * 64-bit positions, kept as segment files in one directory. Entry point: {@link io.courier.journal.SegmentLog}.
 *
 * <h2>Files</h2>
 *
 * <ul>
 *   <li>{@code <firstPosition>.seg} (20 digits, zero-padded, e.g. {@code 00000000000000000001.seg}): a segment, at
 *       most {@link io.courier.journal.JournalConfig#segmentBytes()} long. Only the last segment (the active one) is
 *       written; the others are sealed and never change until {@link io.courier.journal.SegmentLog#trimBefore(long)}
 *       deletes them whole.
 *   <li>{@code <firstPosition>.idx}: the segment's sparse index (a hint, see below). Written when a segment is sealed
 *       and for the active segment on a clean close; deleted for the active segment when the log is opened.
 *   <li>{@code *.idx.tmp}: a sidecar being written; deleted at open.
 * </ul>
 *
 * <p>All integers are big-endian.
 *
 * <h2>Segment file</h2>
 *
 * <pre>
 * header (20 bytes): magic int32 = 0x434A524E ("CJRN") | version int32 = 1 | firstPosition int64 | crc int32
 *                    (crc = CRC32C of the 16 bytes before it)
 * frames, back to back, for positions firstPosition, firstPosition + 1, ...:
 *   length int32 (0 .. maxRecordBytes) | crc int32 | position int64 | payload (length bytes)
 *   crc = CRC32C over length, position and payload, in that order
 * </pre>
 *
 * <p>The frame carries its position (8 bytes on top of the length + CRC framing) so that recovery and readers can
 * tell which record an intact frame holds after skipping damaged bytes, and so that a read can never return a record
 * under the wrong position.
 *
 * <h2>Sidecar index file</h2>
 *
 * <pre>
 * magic int32 = 0x434A4958 ("CJIX") | version int32 = 1 | firstPosition int64 | lastPosition int64 | dataEnd int64 |
 * count int32 | count x (positionDelta int32, offset int32) | crc int32 (CRC32C of everything before it)
 * </pre>
 *
 * <p>One entry per {@link io.courier.journal.JournalConfig#indexIntervalBytes()} of frames (the first frame always
 * has one). A sealed segment's sidecar is used only if it checks out and its {@code dataEnd} equals the file size;
 * otherwise the segment is scanned and the sidecar rewritten. The index is kept in memory for every segment (8 bytes
 * per entry: about 128 KiB for a full 64 MiB segment at the default 4 KiB interval).
 *
 * <h2>Durability and recovery</h2>
 *
 * <ul>
 *   <li>Appends are written by one writer thread in batches; with {@link io.courier.journal.FsyncPolicy#ALWAYS} a
 *       batch's futures complete after {@code FileChannel.force(false)} returned. A segment is fsynced before it is
 *       sealed. A new segment's header is fsynced and then the directory is fsynced; deletions are followed by a
 *       directory fsync too.
 *   <li>So after a crash only the tail of the active segment can be incomplete. At open it is scanned from its last
 *       index point (from a clean close's sidecar, used only if the frame of that position is intact there) or from
 *       its header: the first frame that fails (impossible length, short, CRC mismatch, or an unexpected position)
 *       with no intact frame of a later position after it up to the end of the file is a torn tail and is truncated
 *       (one WARN line says how many bytes, from which offset, after which position). The open reports it
 *       ({@link io.courier.journal.SegmentLog#tornTails()}: the first cut bytes and how many records they can have
 *       held), as the positions of the cut records are handed out again: a user that gives positions out as
 *       identities, or must announce what it lost, acts on it before appending.
 *   <li>A damaged frame followed by intact ones (bit rot, not a torn write) is not truncated: the damaged positions
 *       are reported by {@link io.courier.journal.SegmentLog#corruptions()} and reading them throws
 *       {@link io.courier.journal.CorruptRecordException}; the records after them stay readable. Sealed segments are
 *       not checked at open when their sidecar checks out; damage there is found by the read that reaches it.
 * </ul>
 */
package io.courier.journal;
