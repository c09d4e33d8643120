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
 * it and without joining the channel (for `shmdump --info`). Liveness of
 * the producer and consumer is checked by pid and process start time.
 * An object truncated by another process while mapped gives
 * %SHMIPC_ERROR_CORRUPT, not SIGBUS.
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
  guint64 capacity;
  guint64 w;
  guint64 r;
  guint64 producer;
  guint64 consumer;
  guint32 state;

  g_return_val_if_fail (segment != NULL, FALSE);
  g_return_val_if_fail (info_out != NULL, FALSE);

  h = shmipc_segment_get_data (segment);
  if (!_shmipc_channel_validate_header (h, shmipc_segment_get_size (segment),
                        shmipc_segment_get_name (segment), &capacity, error))
    return FALSE;

  w = __atomic_load_n (&h->write_pos, __ATOMIC_ACQUIRE);
  r = __atomic_load_n (&h->read_pos, __ATOMIC_ACQUIRE);
  state = __atomic_load_n (&h->state, __ATOMIC_ACQUIRE);
  producer = __atomic_load_n (&h->owner[SHMIPC_CHANNEL_PRODUCER], __ATOMIC_ACQUIRE);
  consumer = __atomic_load_n (&h->owner[SHMIPC_CHANNEL_CONSUMER], __ATOMIC_ACQUIRE);
  if (r > w || w - r > capacity || state > SHMIPC_CHANNEL_STATE_ABORTED)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                   "Channel \"%s\": corrupt header (read position %" G_GUINT64_FORMAT
                   ", write position %" G_GUINT64_FORMAT ", capacity %" G_GUINT64_FORMAT
                   ", state %u)", shmipc_segment_get_name (segment), r, w, capacity, state);
      return FALSE;
    }

  memset (info_out, 0, sizeof *info_out);
  info_out->version = SHMIPC_CHANNEL_VERSION;
  info_out->capacity = capacity;
  info_out->fill = w - r;
  info_out->read_position = r;
  info_out->write_position = w;
  info_out->state = state;
  info_out->producer_pid = OWNER_PID (producer);
  info_out->producer_alive = _shmipc_owner_alive (producer);
  info_out->consumer_pid = OWNER_PID (consumer);
  info_out->consumer_alive = _shmipc_owner_alive (consumer);
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

static ShmipcChannelInfo *
channel_info_copy (const ShmipcChannelInfo *info)
{
  return g_memdup2 (info, sizeof *info);
}

G_DEFINE_BOXED_TYPE (ShmipcChannelInfo, shmipc_channel_info, channel_info_copy, g_free)

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
  gboolean waiting;

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
  /* No process runs either end. A finished stream nobody has read yet
   * (prod --stream ends the stream and exits, whichever end started
   * first) still waits for its consumer: not stale. A stream read to its
   * end, aborted, or whose producer died is. */
  waiting = channel.state == SHMIPC_CHANNEL_STATE_END_OF_STREAM &&
            (channel.fill > 0 || channel.write_position == 0);
  info->stale = !channel.producer_alive && !channel.consumer_alive && !waiting;
}
