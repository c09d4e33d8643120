/* shmipc-channel-header.c - the channel header: magic and validation
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

guint64
_shmipc_channel_magic (void)
{
  guint64 value;

  memcpy (&value, SHMIPC_CHANNEL_MAGIC, sizeof value);
  return value;
}

/* Checks the constant part of a header against the mapping; on success
 * *capacity_out is the ring size. Works on a read-only mapping. */
/* shmipc_channel_is_channel() without a guard of its own: the caller's
 * guard reports a fault. */
static gboolean
has_magic (gconstpointer data,
           gsize         size)
{
  if (data == NULL || size < sizeof (ChannelHeader))
    return FALSE;
  /* Acquire: pairs with the creator's release store of the magic. */
  return __atomic_load_n ((const guint64 *) data, __ATOMIC_ACQUIRE) == _shmipc_channel_magic ();
}

gboolean
_shmipc_channel_validate_header (gconstpointer   data,
                                 gsize           size,
                                 const gchar    *name,
                                 guint64        *capacity_out,
                                 guint          *max_readers_out,
                                 ShmipcChannelPolicy *policy_out,
                                 guint          *drop_grace_out,
                                 GError        **error)
{
  const ChannelHeader *h = data;
  guint32 version;
  guint32 header_size;
  guint64 capacity;
  guint32 max_readers;
  guint32 policy;
  guint32 drop_grace;

  if (!has_magic (data, size))
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                   "\"%s\" is not a channel (no channel header)", name);
      return FALSE;
    }
  version = __atomic_load_n (&h->version, __ATOMIC_RELAXED);
  header_size = __atomic_load_n (&h->header_size, __ATOMIC_RELAXED);
  capacity = __atomic_load_n (&h->capacity, __ATOMIC_RELAXED);
  max_readers = __atomic_load_n (&h->max_readers, __ATOMIC_RELAXED);
  policy = __atomic_load_n (&h->policy, __ATOMIC_RELAXED);
  drop_grace = __atomic_load_n (&h->drop_grace_ms, __ATOMIC_RELAXED);
  if (version == 1)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                   "Channel \"%s\" has the single-reader header of shmipc 0.1 (version 1); "
                   "this library reads version %u only: remove it and create it again",
                   name, SHMIPC_CHANNEL_VERSION);
      return FALSE;
    }
  if (version != SHMIPC_CHANNEL_VERSION)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                   "Channel \"%s\": unknown header version %u (this library knows %u)",
                   name, version, SHMIPC_CHANNEL_VERSION);
      return FALSE;
    }
  if (header_size != SHMIPC_CHANNEL_HEADER_SIZE || size < SHMIPC_CHANNEL_HEADER_SIZE)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                   "Channel \"%s\": corrupt header (header size %u, object size %"
                   G_GSIZE_FORMAT ")", name, header_size, size);
      return FALSE;
    }
  if (capacity < SHMIPC_CHANNEL_MIN_CAPACITY || capacity > SHMIPC_CHANNEL_MAX_CAPACITY ||
      capacity > size - SHMIPC_CHANNEL_HEADER_SIZE)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                   "Channel \"%s\": corrupt header (capacity %" G_GUINT64_FORMAT
                   " in an object of %" G_GSIZE_FORMAT " bytes)", name, capacity, size);
      return FALSE;
    }
  if (max_readers < 1 || max_readers > SHMIPC_CHANNEL_MAX_READERS ||
      policy > SHMIPC_CHANNEL_POLICY_DROP || drop_grace > G_MAXINT)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                   "Channel \"%s\": corrupt header (reader limit %u, policy %u, grace %u ms)",
                   name, max_readers, policy, drop_grace);
      return FALSE;
    }
  *capacity_out = capacity;
  if (max_readers_out != NULL)
    *max_readers_out = max_readers;
  if (policy_out != NULL)
    *policy_out = policy;
  if (drop_grace_out != NULL)
    *drop_grace_out = drop_grace;
  return TRUE;
}

typedef struct {
  gconstpointer data;
  gsize size;
  gboolean found;
} Probe;

static void
probe_magic (gpointer user_data)
{
  Probe *probe = user_data;

  probe->found = has_magic (probe->data, probe->size);
}

/**
 * shmipc_channel_is_channel:
 * @data: (array length=size) (element-type guint8) (nullable): the start of a mapped object
 * @size: the mapping's size
 *
 * Tells whether a mapping starts with a published channel header
 * (%SHMIPC_CHANNEL_MAGIC). Nothing else is checked: see
 * shmipc_channel_inspect().
 *
 * Returns: %TRUE for a channel.
 *
 * Since: 0.2
 */
gboolean
shmipc_channel_is_channel (gconstpointer data,
                           gsize         size)
{
  Probe probe = { data, size, FALSE };

  if (data == NULL || size < sizeof (ChannelHeader))
    return FALSE;
  /* A mapping truncated under us holds no header. */
  return _shmipc_guard_run (data, size, probe_magic, &probe, NULL) && probe.found;
}
