/* channel-grace.pml - the drop policy's grace: the producer waits for a
 * reader that holds the ring full, notes the tick of the Clock at which
 * it first found it holding (since[], holders[] in the code), forgets it
 * at any scan that finds it not holding, and cuts it off only once it
 * has found it holding for GRACE ticks. The property (an assertion at the
 * cut): the reader cut has held the ring full, without moving, for the
 * whole grace (the ghost g_held the Clock counts), so a reader that moves
 * in time, however slowly, is never cut; and the seqlock of
 * channel-drop.pml still holds (every byte read is the next one, up to
 * the overrun).
 *
 *   spin -search channel-grace.pml
 *
 * plants: PLANT_CUT_AT_ONCE PLANT_GRACE_NOT_RESET
 */
#define POLICY DROP_POLICY
#define NREADERS 1
#define SLEEPERS 1
#define CAP 1
#define NBYTES 3
#define MAXDEATHS 0
#define MAXSPURIOUS 0
#define MAXLEAVES 0
#define GRACE 1
#define MAXTICKS 1
#include "channel.inc"
