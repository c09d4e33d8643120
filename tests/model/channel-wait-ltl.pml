/* channel-wait-ltl.pml - progress of the channel-wait.pml model: no
 * lost wake-up, and a dead peer noticed. The same model and bounds;
 * each formula is checked on its own:
 *
 *   spin -search -ltl producer_wakes channel-wait-ltl.pml
 *   spin -search -ltl reader_wakes channel-wait-ltl.pml
 *   spin -search -ltl dead_producer_noticed channel-wait-ltl.pml
 *   spin -search -ltl dead_reader_detached channel-wait-ltl.pml
 *
 * No fairness is written into them: every loop of the model either
 * moves a position or ends within the bounds (spurious wake-ups are
 * counted, timeouts need a dead process), so a run that stops making
 * progress is one that stops, and spin extends it by stuttering.
 *
 * plants: PLANT_NO_RECHECK PLANT_NO_FENCE PLANT_NO_LIVENESS
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

/* The producer could write: no live reader and no hold keeps it back
 * (by the positions in the header and the producer's own). */
#define P_ROOM \
  (!(hold && g_ppos - base >= CAP) && \
   !(owner[0] != 0 && (owner[0] & FLAGS) == 0 && read_pos[0] != JOINING && g_ppos - read_pos[0] >= CAP))

/* The reader could read: a byte it has not read, or a final state. */
#define R_DATA (write_pos != g_next[0] || state != OPEN)

/* No lost wake-up (the Dekker handshake of _shmipc_channel_wake_*()
 * and channel_wait()): a live side asleep while its condition holds is
 * woken. */
ltl producer_wakes { [] ((p_queued && alive[PROD] && P_ROOM) -> <> !p_queued) }
ltl reader_wakes { [] ((r_queued[0] && alive[2] && R_DATA) -> <> !r_queued[0]) }

/* A dead peer is noticed through the sleeps' timeouts: a reader whose
 * producer died reads what was committed and leaves (channel_wait(),
 * _shmipc_channel_check_peers()); a producer waiting on a dead reader
 * detaches it (scan_readers() with check_alive). */
ltl dead_producer_noticed { [] (!alive[PROD] -> <> (g_done[0] || !alive[2])) }
ltl dead_reader_detached { [] ((p_queued && !alive[2] && owner[0] == 2) -> <> (owner[0] != 2 || !alive[PROD])) }
