/* channel-sleepers.pml - two readers asleep on the one futex word, each
 * announced by its bit in reader_sleepers, woken by the producer's
 * commits and by the end of the stream.
 *
 *   spin -search channel-sleepers.pml
 *
 * plants: PLANT_NO_RECHECK
 */
#define POLICY WAIT_POLICY
#define NREADERS 2
#define SLEEPERS 2
#define CAP 1
#define NBYTES 1
#define MAXDEATHS 0
#define MAXSPURIOUS 0
#define MAXLEAVES 0
#include "channel.inc"
