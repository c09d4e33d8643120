/* channel-drop.pml - the drop policy's seqlock: the producer cuts off a
 * reader that holds the ring full (here with a grace of 0: at the first
 * scan that finds it holding), sets its cut flag, clears a hold it kept,
 * claims the room gained (claim_pos) and only then writes over the bytes
 * the reader had not read. The reader, which may be copying those bytes
 * at that moment, is exact or reports an overrun: the assertion that
 * every byte read is the next byte of the stream holds up to the error.
 * The grace itself is channel-grace.pml's.
 *
 *   spin -search channel-drop.pml
 *
 * One reader keeps the run small (77 000 states). With two (a cut reader
 * next to one that is not, a reader joining at base while a cut clears
 * the hold), "spin -DNREADERS=2 -search channel-drop.pml" explores some
 * 1.2e8 states in about 4 minutes and 15 GB: run it by hand after
 * changing the drop policy (docs/RELIABILITY.md).
 *
 * plants: PLANT_NO_CLAIM_CHECK PLANT_LATE_CLAIM
 */
#define POLICY DROP_POLICY
#ifndef NREADERS
#define NREADERS 1
#endif
#define SLEEPERS 0
#define CAP 1
#define NBYTES 2
#define MAXDEATHS 0
#define MAXSPURIOUS 0
#define MAXLEAVES 0
#define GRACE 0
#define MAXTICKS 0
#include "channel.inc"
