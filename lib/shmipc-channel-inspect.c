/* shmipc-channel-inspect.c - decoding a channel header without joining the channel
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * How a channel works: shmipc-channel-private.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shmipc-channel-private.h"
#include "shmipc-list-private.h"

/**
 * shmipc_channel_inspect:
 * @segment: a mapped segment, read-only or not
 * @info_out: (out caller-allocates): where to store the decoded header
 * @error: return location for a #GError, or %NULL
 *
 * Decodes the channel header at the start of @segment without changing
 * it and without joining the channel (for `shmdump --info`): the stream's
 * positions and state, the producer, and every reader slot in use (pid,
 * whether it runs, its state, position and lag). Liveness is checked by
 * pid and process start time. An object truncated by another process
 * while mapped gives %SHMIPC_ERROR_CORRUPT, not SIGBUS.
 *
 * Returns: %TRUE on success; %SHMIPC_ERROR_CORRUPT when @segment holds no
 * valid channel header.
 *
 * Since: 0.2
 */
static gboolean
channel_inspect (ShmipcSegment      *segment,
                 ShmipcChannelInfo  *info_out,
                 GError            **error)
{
  const ChannelHeader *h;
  ShmipcChannelPolicy policy;
  guint drop_grace;
  guint max_readers;
  guint64 capacity;
  guint64 w;
  guint64 claim;
  guint64 base;
  guint64 low;
  guint64 producer;
  guint32 state;
  gboolean hold;
  guint i;

  g_return_val_if_fail (segment != NULL, FALSE);
  g_return_val_if_fail (info_out != NULL, FALSE);

  h = shmipc_segment_get_data (segment);
  if (!_shmipc_channel_validate_header (h, shmipc_segment_get_size (segment),
                                        shmipc_segment_get_name (segment), &capacity,
                                        &max_readers, &policy, &drop_grace, error))
    return FALSE;

  w = __atomic_load_n (&h->write_pos, __ATOMIC_ACQUIRE);
  claim = __atomic_load_n (&h->claim_pos, __ATOMIC_ACQUIRE);
  state = __atomic_load_n (&h->state, __ATOMIC_ACQUIRE);
  hold = __atomic_load_n (&h->hold, __ATOMIC_ACQUIRE) != 0;
  base = __atomic_load_n (&h->base, __ATOMIC_ACQUIRE);
  producer = __atomic_load_n (&h->producer, __ATOMIC_ACQUIRE);
  if (state > SHMIPC_CHANNEL_STATE_ABORTED || (hold && (base > w || w - base > capacity)))
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                   "Channel \"%s\": corrupt header (write position %" G_GUINT64_FORMAT
                   ", base %" G_GUINT64_FORMAT ", capacity %" G_GUINT64_FORMAT
                   ", state %u)", shmipc_segment_get_name (segment), w, base, capacity, state);
      return FALSE;
    }

  memset (info_out, 0, sizeof *info_out);
  info_out->version = SHMIPC_CHANNEL_VERSION;
  info_out->capacity = capacity;
  info_out->write_position = w;
  info_out->state = state;
  info_out->producer_pid = OWNER_PID (producer);
  info_out->producer_alive = _shmipc_owner_alive (producer);
  info_out->policy = policy;
  info_out->drop_grace_ms = policy == SHMIPC_CHANNEL_POLICY_DROP ? drop_grace : 0;
  info_out->max_readers = max_readers;
  low = hold ? base : w;
  for (i = 0; i < max_readers; i++)
    {
      const ReaderSlot *slot = &h->readers[i];
      guint64 owner = __atomic_load_n (&slot->owner, __ATOMIC_ACQUIRE);
      guint64 r = __atomic_load_n (&slot->read_pos, __ATOMIC_ACQUIRE);
      ShmipcChannelReaderInfo *reader = &info_out->readers[info_out->n_readers];

      if (owner == 0 || (owner & OWNER_RESET_BIT) != 0)
        continue;
      if (r != JOINING && (r > w || (w - r > capacity && policy == SHMIPC_CHANNEL_POLICY_WAIT)))
        {
          g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                       "Channel \"%s\": corrupt header (reader %u at %" G_GUINT64_FORMAT
                       ", write position %" G_GUINT64_FORMAT ", capacity %" G_GUINT64_FORMAT ")",
                       shmipc_segment_get_name (segment), i, r, w, capacity);
          return FALSE;
        }
      reader->slot = i;
      reader->pid = OWNER_PID (owner);
      reader->alive = _shmipc_owner_alive (owner);
      if ((owner & OWNER_LEFT_BIT) != 0)
        reader->state = SHMIPC_CHANNEL_READER_LEFT;
      else if (r == JOINING)
        reader->state = SHMIPC_CHANNEL_READER_JOINING;
      else if (policy == SHMIPC_CHANNEL_POLICY_DROP &&
               (__atomic_load_n (&slot->cut, __ATOMIC_RELAXED) != 0 ||
                claim > r + capacity || w - r > capacity))
        reader->state = SHMIPC_CHANNEL_READER_OVERRUN;
      else
        reader->state = SHMIPC_CHANNEL_READER_READING;
      reader->position = r == JOINING ? w : r;
      reader->lag = w - reader->position;
      info_out->n_readers++;
      /* The readers that hold the producer back. */
      if (reader->state == SHMIPC_CHANNEL_READER_READING && reader->alive && reader->position < low)
        low = reader->position;
    }
  info_out->awaiting_first_reader = hold;
  info_out->read_position = low;
  info_out->fill = w - low;
  return TRUE;
}

typedef struct {
  ShmipcSegment *segment;
  ShmipcChannelInfo *info_out;
  GError **error;
  gboolean ok;
} Inspect;

static void
inspect_call (gpointer data)
{
  Inspect *inspect = data;

  inspect->ok = channel_inspect (inspect->segment, inspect->info_out, inspect->error);
}

gboolean
shmipc_channel_inspect (ShmipcSegment      *segment,
                        ShmipcChannelInfo  *info_out,
                        GError            **error)
{
  Inspect inspect = { segment, info_out, error, FALSE };

  g_return_val_if_fail (segment != NULL, FALSE);
  g_return_val_if_fail (info_out != NULL, FALSE);

  return _shmipc_segment_guarded (segment, inspect_call, &inspect, error) && inspect.ok;
}

/**
 * shmipc_channel_state_to_string:
 * @state: a #ShmipcChannelState
 *
 * The name of @state, as shmdump --info shows it.
 *
 * Returns: "open", "end-of-stream", "aborted", or "unknown".
 *
 * Since: 0.2
 */
const gchar *
shmipc_channel_state_to_string (ShmipcChannelState state)
{
  switch (state)
    {
    case SHMIPC_CHANNEL_STATE_OPEN:
      return "open";
    case SHMIPC_CHANNEL_STATE_END_OF_STREAM:
      return "end-of-stream";
    case SHMIPC_CHANNEL_STATE_ABORTED:
      return "aborted";
    default:
      return "unknown";
    }
}

/**
 * shmipc_channel_role_to_string:
 * @role: a #ShmipcChannelRole
 *
 * The name of @role, as shmdump --info shows it.
 *
 * Returns: "producer", "consumer", or "unknown".
 *
 * Since: 0.2
 */
const gchar *
shmipc_channel_role_to_string (ShmipcChannelRole role)
{
  switch (role)
    {
    case SHMIPC_CHANNEL_PRODUCER:
      return "producer";
    case SHMIPC_CHANNEL_CONSUMER:
      return "consumer";
    default:
      return "unknown";
    }
}

/**
 * shmipc_channel_policy_to_string:
 * @policy: a #ShmipcChannelPolicy
 *
 * The name of @policy, as the commands' `--slow` option and
 * `shmdump --info` spell it.
 *
 * Returns: "wait", "drop", or "unknown".
 *
 * Since: 0.2
 */
const gchar *
shmipc_channel_policy_to_string (ShmipcChannelPolicy policy)
{
  switch (policy)
    {
    case SHMIPC_CHANNEL_POLICY_WAIT:
      return "wait";
    case SHMIPC_CHANNEL_POLICY_DROP:
      return "drop";
    default:
      return "unknown";
    }
}

/**
 * shmipc_channel_reader_state_to_string:
 * @state: a #ShmipcChannelReaderState
 *
 * The name of @state, as shmdump --info shows it.
 *
 * Returns: "joining", "reading", "overrun", "left", or "unknown".
 *
 * Since: 0.2
 */
const gchar *
shmipc_channel_reader_state_to_string (ShmipcChannelReaderState state)
{
  switch (state)
    {
    case SHMIPC_CHANNEL_READER_JOINING:
      return "joining";
    case SHMIPC_CHANNEL_READER_READING:
      return "reading";
    case SHMIPC_CHANNEL_READER_OVERRUN:
      return "overrun";
    case SHMIPC_CHANNEL_READER_LEFT:
      return "left";
    default:
      return "unknown";
    }
}

/**
 * shmipc_channel_info_get_reader:
 * @info: a #ShmipcChannelInfo
 * @index: 0 to @info's n_readers - 1
 *
 * One of the readers of @info, in the order of their slots.
 *
 * Returns: (transfer none) (nullable): the reader, or %NULL when @index
 * is out of range.
 *
 * Since: 0.2
 */
const ShmipcChannelReaderInfo *
shmipc_channel_info_get_reader (const ShmipcChannelInfo *info,
                                guint                    index)
{
  g_return_val_if_fail (info != NULL, NULL);

  if (index >= info->n_readers || index >= SHMIPC_CHANNEL_MAX_READERS)
    return NULL;
  return &info->readers[index];
}

static ShmipcChannelInfo *
channel_info_copy (const ShmipcChannelInfo *info)
{
  return g_memdup2 (info, sizeof *info);
}

G_DEFINE_BOXED_TYPE (ShmipcChannelInfo, shmipc_channel_info, channel_info_copy, g_free)

static ShmipcChannelReaderInfo *
channel_reader_info_copy (const ShmipcChannelReaderInfo *info)
{
  return g_memdup2 (info, sizeof *info);
}

G_DEFINE_BOXED_TYPE (ShmipcChannelReaderInfo, shmipc_channel_reader_info,
                     channel_reader_info_copy, g_free)

/* ----------------------------------------------------------------------
 * The channel as a format of shmipc_list_objects() (shmipc-list-private.h)
 * ---------------------------------------------------------------------- */

/* A published channel header in an object big enough for a header and
 * the smallest ring. The rest of the header is checked when describing. */
gboolean
_shmipc_channel_probe (const guint8 *head,
                       gsize         head_len,
                       guint64       size)
{
  return size >= (guint64) SHMIPC_CHANNEL_HEADER_SIZE + SHMIPC_CHANNEL_MIN_CAPACITY &&
         shmipc_channel_is_channel (head, head_len);
}

/* Opens the object again, read-only, to decode its header with
 * shmipc_channel_inspect(): that checks the header against the whole
 * mapping and each pid against its process start time. The one place
 * where a channel is judged stale. */
void
_shmipc_channel_describe (ShmipcObjectInfo *info)
{
  g_autoptr(ShmipcSegment) segment = NULL;
  g_autoptr(GError) error = NULL;
  ShmipcChannelInfo channel;
  gboolean readers_alive;
  gboolean waiting;
  guint i;

  if (info->backend == SHMIPC_BACKEND_SYSV)
    {
      if (info->key == 0)
        {
          info->header_error =
            g_strdup ("not decoded: an IPC_PRIVATE segment cannot be opened by key");
          return;
        }
      segment = shmipc_segment_open_key (info->key, SHMIPC_OPEN_READ_ONLY, 0,
                                         SHMIPC_DEFAULT_MODE, &error);
    }
  else
    segment = shmipc_segment_open (info->name, SHMIPC_OPEN_READ_ONLY, 0,
                                   SHMIPC_DEFAULT_MODE, SHMIPC_BACKEND_POSIX, &error);
  if (segment == NULL)
    {
      info->header_error = g_strdup_printf ("not decoded: %s", error->message);
      return;
    }
  /* Replaced since it was listed: what we would decode is another object. */
  if ((guint64) shmipc_segment_get_size (segment) != info->size)
    {
      info->header_error = g_strdup_printf ("not decoded: \"%s\" changed size while being listed",
                                            shmipc_segment_get_name (segment));
      return;
    }
  if (!shmipc_channel_inspect (segment, &channel, &error))
    {
      info->header_error = g_strdup_printf ("corrupt: %s", error->message);
      return;
    }

  info->channel = g_memdup2 (&channel, sizeof channel);
  /* No process runs either end. A finished stream no reader has come to
   * yet (prod --stream ends the stream and exits, whichever end started
   * first) still waits for its first reader: not stale. A stream read to
   * its end, aborted, or whose producer died is. */
  waiting = channel.state == SHMIPC_CHANNEL_STATE_END_OF_STREAM && channel.awaiting_first_reader;
  readers_alive = FALSE;
  for (i = 0; i < channel.n_readers; i++)
    {
      const ShmipcChannelReaderInfo *reader = shmipc_channel_info_get_reader (&channel, i);

      if (reader->alive && reader->state != SHMIPC_CHANNEL_READER_LEFT)
        readers_alive = TRUE;
    }
  info->stale = !channel.producer_alive && !readers_alive && !waiting;
}
