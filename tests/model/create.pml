/* create.pml - creating a channel's header, and a producer taking over
 * a finished stream
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   spin -search create.pml
 *
 * plants: PLANT_INIT_NO_CAS PLANT_INIT_TAKE_LIVE PLANT_INIT_NO_RECHECK PLANT_RESET_NO_LOCK
 *
 * The code: claim_call(), claim_initialiser() and channel_attach() for
 * the creation, claim_producer(), lock_reader_slots() and
 * producer_take_over() for the take-over, claim_reader_slot() for a
 * reader that comes meanwhile (lib/shmipc-channel-open.c; "Creation" in
 * lib/shmipc-channel-private.h).
 *
 * Three processes open the zero-filled object. The first created it and
 * may claim the initialiser word at once; the others only once the
 * word has stayed unclaimed for INIT_WAIT_US (a step they may take at
 * any moment) or its claimer has died. Whoever claims it writes the
 * header and publishes the magic last; the others wait for the magic
 * and attach. Then the first two are producers one after the other:
 * each claims the producer word, and the second finds the stream the
 * first ended and takes it over (locks the reader slots, resets the
 * stream, unlocks); the third is a reader claiming a slot. Any process
 * may die after any of its writes (see channel.inc, "Death"), at most
 * MAXDEATHS times per run.
 *
 * Properties:
 *   - the header is written by exactly one live process at a time, and
 *     never after the magic is published (hdr_write());
 *   - a process attaches only to a published header;
 *   - a producer's take-over writes the stream's words while it alone
 *     holds the producer word, and no reader claims a slot half-way
 *     through it (the slots are locked);
 *   - end states: nobody waits for ever (a claim held by a dead
 *     process is taken over).
 */

#ifndef MAXDEATHS
#define MAXDEATHS 1
#endif

#define NPROC 3
#define RESET 16            /* OWNER_RESET_BIT; pids are 1 to 3 */
#define OPEN 0
#define EOS 1

/* The object (zero-filled at creation) and its header. */
bit magic;
byte initialiser;
byte version;                /* stands for every field channel_attach() writes */
byte producer;
byte state;
byte slot_owner;             /* one reader slot */

bit alive[NPROC + 1];
byte deaths;

/* Ghosts: who is writing the header or resetting the stream (a dead
 * process may have stopped half-way: it no longer counts). */
bit writing[NPROC + 1];
bit resetting[NPROC + 1];
byte streams;                /* streams ended: 0, 1 or 2 */

/* No live process but @me has its flag in @flags. */
#define ALONE(flags) \
  ((me == 1 || !flags[1] || !alive[1]) && \
   (me == 2 || !flags[2] || !alive[2]) && \
   (me == 3 || !flags[3] || !alive[3]))

#if MAXDEATHS > 0
#define MAYDIE \
  if \
  :: deaths < MAXDEATHS -> atomic { deaths++; alive[me] = 0 }; goto dead \
  :: true -> skip \
  fi
#else
#define MAYDIE skip
#endif

/* channel_attach() with initialise: one of the header's stores. */
#define hdr_write(val) \
  atomic { \
    assert (!magic && initialiser == me && ALONE (writing)); \
    version = val \
  }

/* claim_call() then channel_attach(): returns when the magic is out. */
inline open_channel ()
{
  do
  :: magic -> break                             /* FOUND_CHANNEL */
  :: !magic && !may_claim -> may_claim = 1      /* INIT_WAIT_US passed */
  :: else ->
     cur = initialiser;
     if
#ifdef PLANT_INIT_TAKE_LIVE
     :: (cur == 0 && may_claim) || cur != 0 ->
#else
     :: (cur == 0 && may_claim) || (cur != 0 && !alive[cur]) ->
#endif
#ifdef PLANT_INIT_NO_CAS
        if
        :: initialiser == cur -> initialiser = me; ok = 1
        :: else -> ok = 0
        fi;
#else
        atomic {
          if
          :: initialiser == cur -> initialiser = me; ok = 1
          :: else -> ok = 0
          fi
        };
#endif
        MAYDIE;
#ifndef PLANT_INIT_NO_RECHECK
        /* The claim was a dead process's, which may have published the
         * header after our look at the magic: look again. */
        if
        :: ok && magic -> ok = 0
        :: else -> skip
        fi;
#endif
        if
        :: ok ->
           /* FOUND_CLAIMED: we write the header, magic last. A creator
            * that died half-way may have written some of it. */
           atomic { writing[me] = 1; ok = 0 };
           hdr_write (me);
           MAYDIE;
           hdr_write (2);
           MAYDIE;
           atomic { assert (!magic && initialiser == me && ALONE (writing)); magic = 1; writing[me] = 0 };
           MAYDIE;
           break
        :: else -> skip
        fi
     :: else -> skip                            /* FOUND_WAIT, FOUND_UNCLAIMED */
     fi;
     cur = 0
  od;
  assert (magic && version == 2)
}

/* claim_producer() and producer_take_over(); done: 1 attached, 0 not. */
inline produce ()
{
  cur = producer;
  if
  :: cur != 0 && alive[cur] -> done = 0   /* BUSY: in use */
  :: else ->
     atomic {
       if
       :: producer == cur -> producer = me; ok = 1
       :: else -> ok = 0
       fi
     };
     if
     :: !ok -> done = 0
     :: ok && cur == 0 && state == OPEN && streams == 0 -> done = 1   /* a fresh channel */
     :: ok && !(cur == 0 && state == OPEN && streams == 0) ->
        MAYDIE;
        /* lock_reader_slots(): a slot no live reader holds. */
        o = slot_owner;
#ifdef PLANT_RESET_NO_LOCK
        ok = 1;
#else
        if
        :: o != 0 && (o & RESET) == 0 && alive[o] -> ok = 0   /* still reading */
        :: else ->
           atomic {
             if
             :: slot_owner == o -> slot_owner = me | RESET; ok = 1
             :: else -> ok = 0
             fi
           }
        fi;
#endif
        if
        :: ok ->
           MAYDIE;
           /* The reset: the stream's words, ours alone. */
           resetting[me] = 1;
           atomic { assert (producer == me && ALONE (resetting)); state = OPEN };
           MAYDIE;
           atomic { resetting[me] = 0; slot_owner = 0 };   /* unlock */
           MAYDIE;
           done = 1
        :: else ->
           /* Give the word back as it was (release_owner()). */
           atomic { if :: producer == me -> producer = cur :: else -> skip fi };
           MAYDIE;
           done = 0
        fi
     fi
  fi;
  cur = 0; o = 0; ok = 0
}

proctype Opener (byte me; bit creator; bit is_reader)
{
  byte cur, o;
  bit may_claim, ok, done;

  may_claim = creator;
  open_channel ();

  if
  :: is_reader ->
     /* claim_reader_slot(): a free slot, never one being reset. */
     atomic {
       if
       :: slot_owner == 0 ->
          slot_owner = me;
          assert ((!resetting[1] || !alive[1]) && (!resetting[2] || !alive[2]))
       :: else -> skip
       fi
     }
  :: else ->
     /* A producer: one stream, ended, then the handle freed. */
     produce ();
     if
     :: done ->
        atomic { state = EOS; streams++ };
        MAYDIE;
        atomic { if :: producer == me -> producer = 0 :: else -> skip fi }
     :: else -> skip
     fi
  fi;
dead:
  skip
}

init
{
  atomic {
    alive[1] = 1;
    alive[2] = 1;
    alive[3] = 1;
    run Opener (1, 1, 0);
    run Opener (2, 0, 0);
    run Opener (3, 0, 1)
  }
}
