/* channel-readers.pml - one producer and two readers under the wait
 * policy: readers joining while the producer writes (the settle
 * compare-and-swap against the producer's, the hold for the first), the
 * slowest reader setting the pace, a reader dying at any step and being
 * detached, and the last reader to leave seeing that it is last. The
 * readers spin rather than sleep (channel-sleepers.pml has two asleep);
 * the producer sleeps.
 *
 *   spin -search channel-readers.pml
 *
 * plants: PLANT_IGNORE_READER PLANT_JOIN_NO_CAS PLANT_HOLD_TWICE
 */
#define POLICY WAIT_POLICY
#define NREADERS 2
#define SLEEPERS 0
#define CAP 1
#define NBYTES 2
#define MAXDEATHS 1
#define MAXSPURIOUS 0
#define MAXLEAVES 0
#include "channel.inc"
