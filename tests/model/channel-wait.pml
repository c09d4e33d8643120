/* channel-wait.pml - one producer and one reader under the wait policy:
 * the sleep and wake handshake both ways, the ring wrapping, the lazy
 * scan, the hold for the first reader, leaving early, spurious wake-ups,
 * and the death of either side at any step.
 *
 *   spin -search channel-wait.pml
 *
 * checks the assertions (see channel.inc) and the end states: a live
 * process that never ends, for example one asleep that no wake-up
 * reaches, is an invalid end state.
 *
 * plants: PLANT_NO_RECHECK PLANT_NO_FENCE PLANT_HOLD_TWICE
 */
#define POLICY WAIT_POLICY
#define NREADERS 1
#define SLEEPERS 1
#define CAP 1
#define NBYTES 3
#define MAXDEATHS 1
#define MAXSPURIOUS 1
#define MAXLEAVES 1
#include "channel.inc"
