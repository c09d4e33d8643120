/* shmipc-channel-fd.c - pumping bytes between a channel's ring and a file descriptor
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

/* read(2) or write(2) on the ring failed with EFAULT: the kernel's word
 * for the SIGBUS the same access would raise in user space. */
static void
set_fault_error (ShmipcChannel  *channel,
                 gconstpointer   address,
                 GError        **error)
{
  _shmipc_segment_fault (channel->segment, address, error);
}

/* Bytes moved per system call: a quarter of the ring, so that the other
 * side works on one part while we fill or drain the next. */
gsize
_shmipc_channel_io_chunk (ShmipcChannel *channel)
{
  guint64 chunk = MAX (channel->capacity / 4, MIN (channel->capacity, 64 * 1024));

  return (gsize) MIN (chunk, (guint64) (G_MAXSSIZE / 2));
}

/* Waits until @fd has input (or end of file, or an error read(2) will
 * report), looking between two checks whether the readers still run:
 * a producer idle on its input must notice dead readers as promptly
 * as one waiting for space in the ring. */
static gboolean
wait_input (ShmipcChannel  *channel,
            int             fd,
            GError        **error)
{
  struct pollfd pfd = { .fd = fd, .events = POLLIN };

  for (;;)
    {
      ShmipcChannelState state;
      int n = poll (&pfd, 1, LIVENESS_INTERVAL_US / 1000);

      /* Ready, or poll() cannot watch this descriptor: read() decides. */
      if (n > 0 || (n < 0 && errno != EINTR))
        return TRUE;
      /* Aborted here (a signal), or every reader gone. */
      if (!_shmipc_channel_check_state (channel, &state, error) ||
          !_shmipc_channel_check_peers (channel, error))
        return FALSE;
    }
}

/**
 * shmipc_channel_send_fd:
 * @channel: the producer end of a channel
 * @fd: a file descriptor open for reading
 * @bytes_out: (out) (optional): where to store how many bytes were sent,
 *   also on error
 * @timeout_ms: longest wait for free space, each time the ring is full;
 *   -1 waits for ever (reading @fd is never timed)
 * @error: return location for a #GError, or %NULL
 *
 * Copies @fd into the channel until end of file, reading straight into
 * the ring, then marks the end of the stream. This is `prod --stream`.
 * A read(2) interrupted by a signal is retried unless
 * shmipc_channel_abort() was called; install signal handlers without
 * SA_RESTART so that a blocked read is interrupted.
 *
 * Returns: %TRUE when all of @fd was sent and the end of the stream marked.
 *
 * Since: 0.2
 */
static gboolean
channel_send_fd (ShmipcChannel  *channel,
                 int             fd,
                 guint64        *bytes_out,
                 gint            timeout_ms,
                 GError        **error)
{
  gsize chunk;
  guint64 total = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (channel != NULL, FALSE);

  if (!_shmipc_channel_check_role (channel, SHMIPC_CHANNEL_PRODUCER, "send", error))
    goto out;
  chunk = _shmipc_channel_io_chunk (channel);
  for (;;)
    {
      gpointer dest;
      gsize space;
      ssize_t n;

      if (!_shmipc_channel_reserve (channel, &dest, &space, timeout_ms, error))
        goto out;
      if (!wait_input (channel, fd, error))
        goto out;
      do
        n = read (fd, dest, MIN (space, chunk));
      while (n < 0 && errno == EINTR && !__atomic_load_n (&channel->aborted, __ATOMIC_ACQUIRE));
      if (n < 0)
        {
          int saved_errno = errno;

          if (saved_errno == EINTR)
            _shmipc_channel_set_aborted_error (channel, error);
          else if (saved_errno == EFAULT)
            set_fault_error (channel, dest, error);
          else
            _shmipc_set_error_errno (error, saved_errno,
                                     "Channel \"%s\": read(fd %d) failed",
                                     _shmipc_channel_name (channel), fd);
          goto out;
        }
      if (n == 0)
        break;
      if (!_shmipc_channel_commit (channel, (gsize) n, error))
        goto out;
      total += (guint64) n;
    }
  ok = _shmipc_channel_close_write (channel, error);

out:
  if (bytes_out != NULL)
    *bytes_out = total;
  return ok;
}

/**
 * shmipc_channel_receive_fd:
 * @channel: the consumer end of a channel
 * @fd: a file descriptor open for writing
 * @bytes_out: (out) (optional): where to store how many bytes were
 *   written to @fd, also on error
 * @timeout_ms: longest wait for data, each time the ring is empty; -1
 *   waits for ever
 * @error: return location for a #GError, or %NULL
 *
 * Copies the channel to @fd until the end of the stream, writing straight
 * from the ring and completing short writes (under the `drop` policy,
 * through a buffer, each part checked intact before it is written: a
 * reader cut off has written every byte before the overrun, and fails
 * with %SHMIPC_ERROR_OVERRUN). This is `cons --stream`.
 * Errors of write(2), EPIPE included, are reported (ignore SIGPIPE to get
 * EPIPE rather than being killed); EINTR is retried unless
 * shmipc_channel_abort() was called. Afterwards the caller leaves the
 * channel with shmipc_channel_leave() and, when it was the last reader,
 * removes it with shmipc_channel_unlink().
 *
 * Returns: %TRUE when the whole stream was written to @fd.
 *
 * Since: 0.2
 */
static gboolean
channel_receive_fd (ShmipcChannel  *channel,
                    int             fd,
                    guint64        *bytes_out,
                    gint            timeout_ms,
                    GError        **error)
{
  gsize chunk;
  guint64 total = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (channel != NULL, FALSE);

  if (!_shmipc_channel_check_role (channel, SHMIPC_CHANNEL_CONSUMER, "receive", error))
    goto out;
  chunk = _shmipc_channel_io_chunk (channel);
  for (;;)
    {
      gconstpointer src;
      gsize avail;
      gsize done = 0;

      if (!_shmipc_channel_peek (channel, &src, &avail, timeout_ms, error))
        goto out;
      if (avail == 0)
        break;
      avail = MIN (avail, chunk);
      if (channel->bounce != NULL)
        {
          /* Drop policy: copy, check (in consume), then write. */
          memcpy (channel->bounce, src, avail);
          if (!_shmipc_channel_consume (channel, avail, error))
            goto out;
          src = channel->bounce;
        }
      while (done < avail)
        {
          ssize_t n = write (fd, (const guint8 *) src + done, avail - done);

          if (n < 0)
            {
              int saved_errno = errno;

              if (saved_errno == EINTR &&
                  !__atomic_load_n (&channel->aborted, __ATOMIC_ACQUIRE))
                continue;
              if (saved_errno == EINTR)
                _shmipc_channel_set_aborted_error (channel, error);
              else if (saved_errno == EFAULT)
                set_fault_error (channel, (const guint8 *) src + done, error);
              else
                _shmipc_set_error_errno (error, saved_errno,
                                         "Channel \"%s\": write(fd %d) failed",
                                         _shmipc_channel_name (channel), fd);
              goto out;
            }
          done += (gsize) n;
          total += (guint64) n;
          /* A signal that interrupts a write(2) after part of it went
           * through (a pipe, a terminal) makes it return that part, not
           * EINTR: look at the abort flag here too, or the next write
           * blocks again. */
          if (done < avail && __atomic_load_n (&channel->aborted, __ATOMIC_ACQUIRE))
            {
              _shmipc_channel_set_aborted_error (channel, error);
              goto out;
            }
        }
      if (channel->bounce == NULL && !_shmipc_channel_consume (channel, avail, error))
        goto out;
    }
  ok = TRUE;

out:
  if (bytes_out != NULL)
    *bytes_out = total;
  return ok;
}

static void
call_send_fd (gpointer data)
{
  Call *c = data;

  c->result = channel_send_fd (c->channel, c->fd, c->bytes_out, c->timeout_ms, c->error);
}

gboolean
shmipc_channel_send_fd (ShmipcChannel  *channel,
                        int             fd,
                        guint64        *bytes_out,
                        gint            timeout_ms,
                        GError        **error)
{
  Call call = { channel, NULL, NULL, 0, timeout_ms, fd, bytes_out, error, 0 };

  g_return_val_if_fail (channel != NULL, FALSE);
  /* The count so far is lost when a fault abandons the call. */
  if (bytes_out != NULL)
    *bytes_out = 0;
  return _shmipc_channel_run_call (&call, call_send_fd, FALSE);
}

static void
call_receive_fd (gpointer data)
{
  Call *c = data;

  c->result = channel_receive_fd (c->channel, c->fd, c->bytes_out, c->timeout_ms, c->error);
}

gboolean
shmipc_channel_receive_fd (ShmipcChannel  *channel,
                           int             fd,
                           guint64        *bytes_out,
                           gint            timeout_ms,
                           GError        **error)
{
  Call call = { channel, NULL, NULL, 0, timeout_ms, fd, bytes_out, error, 0 };

  g_return_val_if_fail (channel != NULL, FALSE);
  if (bytes_out != NULL)
    *bytes_out = 0;
  return _shmipc_channel_run_call (&call, call_receive_fd, FALSE);
}
