/* channel-drop.pml - one producer and two readers under the drop
 * policy: the producer never waits for a reader that has come; when the
 * slowest leaves no room it claims the room (claim_pos), cuts the
 * readers with unread bytes there, and writes. Each reader is exact or
 * reports an overrun: the assertion that every byte read is the next
 * byte of the stream holds up to the error.
 *
 *   spin -search channel-drop.pml
 *
 * plants: PLANT_NO_CLAIM_CHECK PLANT_LATE_CLAIM
 */
#define POLICY DROP_POLICY
#define NREADERS 2
#define SLEEPERS 0
#define CAP 1
#define NBYTES 2
#define MAXDEATHS 0
#define MAXSPURIOUS 0
#define MAXLEAVES 0
#include "channel.inc"
