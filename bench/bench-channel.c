/* bench-channel.c - throughput, latency and idle cost of a channel,
 * against a pipe and a Unix socket pair
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Usage: bench-channel [throughput|latency|idle|readers|all] [--backend=B]
 *        [--bytes=N] [--rounds=N] [--seconds=N] [--fanout-bytes=N]
 *        [--pin | --same-cpu] [--readers=N]
 * The hardware limits are measured in the same run: a single-core memcpy
 * of the write size and (across CPUs) a raw ring with the channel's
 * layout next to the throughput; next to the round trips a raw spin
 * ping-pong on one shared cache line, the same with one line each way
 * (two objects can share none), and a raw ring with the channel's layout.
 * With --readers=N the descriptor references fan out to N readers as the
 * channel does.
 * Not a test: figures depend on the machine; compare ratios from one run.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
# include <sys/prctl.h>
#endif

#include <shmipc.h>

#define CHUNK (1024 * 1024)
#define MSG 64

static guint64 opt_bytes = G_GUINT64_CONSTANT (4) << 30;
static gint opt_rounds = 100000;
static gint opt_seconds = 5;
static ShmipcBackend opt_backend = SHMIPC_BACKEND_AUTO;
static guint64 opt_fanout_bytes = G_GUINT64_CONSTANT (256) << 20;
static gint opt_readers = 1;

static void G_GNUC_NORETURN
die (const char *what, GError *error)
{
  fprintf (stderr, "bench-channel: %s: %s\n", what, error ? error->message : g_strerror (errno));
  exit (1);
}

static gchar *
bench_name (const char *what)
{
  return g_strdup_printf ("/shmipc-bench-%ld-%s", (long) getpid (), what);
}

static gboolean opt_pin;
static gboolean opt_same_cpu;

/* With --pin, the parent runs on CPU 0 and the child on CPU 1, for every
 * transport alike: the figures then show the cross-CPU case. With
 * --same-cpu both run on CPU 0 (as "taskset -c 0" would put them). */
static void
pin_to (int cpu)
{
#ifdef __linux__
  cpu_set_t set;

  if (opt_same_cpu)
    cpu = 0;
  else if (!opt_pin)
    return;
  CPU_ZERO (&set);
  CPU_SET (cpu, &set);
  if (sched_setaffinity (0, sizeof set, &set) != 0)
    die ("sched_setaffinity", NULL);
#endif
}

static void
child_setup (void)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
  pin_to (1);
}

static double
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

static void
wait_child (pid_t pid, struct rusage *ru)
{
  int status;
  struct rusage dummy;

  if (wait4 (pid, &status, 0, ru ? ru : &dummy) != pid)
    die ("wait4", NULL);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      fprintf (stderr, "bench-channel: child failed (status 0x%x)\n", status);
      exit (1);
    }
}

/* One step of a spin-wait. */
static inline void
relax (void)
{
#if defined (__x86_64__) || defined (__i386__)
  __builtin_ia32_pause ();
#elif defined (__aarch64__)
  __asm__ __volatile__ ("yield" ::: "memory");
#endif
}

static void
fd_write_all (int fd, const guint8 *p, gsize n)
{
  while (n > 0)
    {
      ssize_t k = write (fd, p, n);

      if (k < 0 && errno == EINTR)
        continue;
      if (k <= 0)
        die ("write", NULL);
      p += k;
      n -= (gsize) k;
    }
}

static void
fd_read_all (int fd, guint8 *p, gsize n)
{
  while (n > 0)
    {
      ssize_t k = read (fd, p, n);

      if (k < 0 && errno == EINTR)
        continue;
      if (k <= 0)
        die ("read", NULL);
      p += k;
      n -= (gsize) k;
    }
}

/* In a forked child: reads the channel @name to its end as one more
 * reader, copying every byte out, and exits 0 when it got @expected
 * bytes (any number for G_MAXUINT64). */
static void G_GNUC_NORETURN
reader_child (const char *name,
              guint64     expected)
{
  GError *error = NULL;
  guint8 *buf = g_malloc (CHUNK);
  ShmipcChannel *c;
  guint64 got = 0;
  gssize k;

  child_setup ();
  c = shmipc_channel_open (name, SHMIPC_CHANNEL_CONSUMER, 0, SHMIPC_DEFAULT_MODE,
                           opt_backend, &error);
  if (c == NULL)
    die ("open", error);
  while ((k = shmipc_channel_read (c, buf, CHUNK, -1, &error)) > 0)
    got += (guint64) k;
  if (k < 0)
    die ("read", error);
  _exit (expected == G_MAXUINT64 || got == expected ? 0 : 1);
}

/* A connected pair: a pipe (read end first), or a socket pair with
 * buffers of @buffer bytes each way. */
static void
open_fds (gboolean use_socket,
          int      buffer,
          int      fds[2])
{
  if (use_socket)
    {
      if (socketpair (AF_UNIX, SOCK_STREAM, 0, fds) != 0)
        die ("socketpair", NULL);
      setsockopt (fds[0], SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
      setsockopt (fds[1], SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
      setsockopt (fds[1], SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
      setsockopt (fds[0], SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    }
  else
    {
      if (pipe (fds) != 0)
        die ("pipe", NULL);
#ifdef F_SETPIPE_SZ
      fcntl (fds[1], F_SETPIPE_SZ, buffer);
#endif
    }
}

/* @count processes that each read their own pipe (or socket) to its
 * end and exit 0 when they got @expected bytes (any number for
 * G_MAXUINT64); the writer writes every chunk into each of @out, as
 * tee(1) does. The descriptors' counterpart of start_extra_readers(). */
static void
start_fd_drainers (gboolean use_socket,
                   int      buffer,
                   guint    count,
                   guint64  expected,
                   int     *out,
                   pid_t   *pids)
{
  guint n, j;

  for (n = 0; n < count; n++)
    {
      int fds[2];

      open_fds (use_socket, buffer, fds);
      pids[n] = fork ();
      if (pids[n] == 0)
        {
          guint8 *buf = g_malloc (CHUNK);
          guint64 got = 0;
          ssize_t k;

          child_setup ();
          close (fds[1]);
          for (j = 0; j < n; j++)
            close (out[j]);
          while ((k = read (fds[0], buf, CHUNK)) > 0 || (k < 0 && errno == EINTR))
            got += k > 0 ? (guint64) k : 0;
          _exit (k == 0 && (expected == G_MAXUINT64 || got == expected) ? 0 : 1);
        }
      close (fds[0]);
      out[n] = fds[1];
    }
}

static void
stop_fd_drainers (guint  n,
                  int   *out,
                  pid_t *pids)
{
  guint i;

  for (i = 0; i < n; i++)
    close (out[i]);
  for (i = 0; i < n; i++)
    wait_child (pids[i], NULL);
}

/* ---------------------------------------------------------------------- */
/* Fan-out: one writer, N readers that each read the whole stream           */
/* ---------------------------------------------------------------------- */

/* The channel: a producer (this process) and @n reader processes, each
 * copying every byte out with shmipc_channel_read(). Returns the seconds
 * from the first write until every reader has read the end. */
static double
fanout_channel (guint n)
{
  g_autofree gchar *name = bench_name ("fan");
  guint8 *buf = g_malloc (CHUNK);
  GError *error = NULL;
  ShmipcChannel *p;
  pid_t pids[SHMIPC_CHANNEL_MAX_READERS];
  guint64 sent = 0;
  double t0;
  guint i;

  memset (buf, 0x5a, CHUNK);
  p = shmipc_channel_open_full (name, SHMIPC_CHANNEL_PRODUCER, 0, SHMIPC_DEFAULT_MODE,
                                opt_backend, MAX (n, SHMIPC_CHANNEL_DEFAULT_READERS),
                                SHMIPC_CHANNEL_POLICY_WAIT, -1, SHMIPC_CHANNEL_OPEN_NONE,
                                &error);
  if (p == NULL)
    die ("open", error);
  for (i = 0; i < n; i++)
    {
      pids[i] = fork ();
      if (pids[i] == 0)
        reader_child (name, opt_fanout_bytes);
    }
  if (!shmipc_channel_wait_readers (p, n, -1, &error))
    die ("wait for readers", error);
  t0 = now_s ();
  while (sent < opt_fanout_bytes)
    {
      gsize k = (gsize) MIN ((guint64) CHUNK, opt_fanout_bytes - sent);

      if (!shmipc_channel_write (p, buf, k, -1, &error))
        die ("write", error);
      sent += k;
    }
  if (!shmipc_channel_close_write (p, &error))
    die ("close", error);
  for (i = 0; i < n; i++)
    wait_child (pids[i], NULL);
  t0 = now_s () - t0;
  shmipc_channel_unlink (p, NULL);
  shmipc_channel_free (p);
  g_free (buf);
  return t0;
}

/* What tee(1) does: one writer copies each chunk into @n pipes in turn;
 * @n reader processes read them. Seconds, as fanout_channel(). */
static double
fanout_tee (guint n)
{
  guint8 *buf = g_malloc (CHUNK);
  pid_t pids[SHMIPC_CHANNEL_MAX_READERS];
  int out[SHMIPC_CHANNEL_MAX_READERS];
  guint64 sent = 0;
  double t0;
  guint i;

  memset (buf, 0x5a, CHUNK);
  start_fd_drainers (FALSE, CHUNK, n, opt_fanout_bytes, out, pids);
  t0 = now_s ();
  while (sent < opt_fanout_bytes)
    {
      gsize k = (gsize) MIN ((guint64) CHUNK, opt_fanout_bytes - sent);

      for (i = 0; i < n; i++)
        fd_write_all (out[i], buf, k);
      sent += k;
    }
  stop_fd_drainers (n, out, pids);
  t0 = now_s () - t0;
  g_free (buf);
  return t0;
}

static void
run_readers (void)
{
  static const guint counts[] = { 1, 2, 4, 8 };
  double chan[G_N_ELEMENTS (counts)];
  double tee[G_N_ELEMENTS (counts)];
  double mib = opt_fanout_bytes / 1048576.0;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (counts); i++)
    {
      chan[i] = fanout_channel (counts[i]);
      tee[i] = fanout_tee (counts[i]);
    }
  printf ("fan-out (%.0f MiB in 1 MiB writes, every reader reads all of it):\n", mib);
  printf ("  readers  channel s  GB/s/reader  tee s  GB/s/reader  channel/tee  per-reader cost\n");
  for (i = 0; i < G_N_ELEMENTS (counts); i++)
    printf ("  %7u  %9.3f  %11.2f  %5.3f  %11.2f  %10.2fx  %8.3f ms/MiB\n", counts[i],
            chan[i], opt_fanout_bytes / chan[i] / 1e9, tee[i], opt_fanout_bytes / tee[i] / 1e9,
            tee[i] / chan[i], chan[i] * 1000.0 / mib / counts[i]);
  printf ("  channel 1->4 / tee into 4 pipes  %.2fx (aim >= 5)\n", tee[2] / chan[2]);
}

/* ---------------------------------------------------------------------- */
/* Throughput: 1 MiB writes, copied into and out of the transport           */
/* ---------------------------------------------------------------------- */

/* --readers=N: N - 1 more readers of the channel @name, each draining
 * it to the end in the background (pinned as the child is). Returns how
 * many were started; their pids go to @pids. */
static guint
start_extra_readers (const char *name,
                     pid_t      *pids)
{
  guint n = 0;

  for (n = 0; n + 1 < (guint) opt_readers; n++)
    {
      pids[n] = fork ();
      if (pids[n] == 0)
        reader_child (name, G_MAXUINT64);
    }
  return n;
}

static ShmipcChannel *
open_producer (const char *name,
               gsize       capacity)
{
  GError *error = NULL;
  ShmipcChannel *p = shmipc_channel_open_full (name, SHMIPC_CHANNEL_PRODUCER, capacity,
                                               SHMIPC_DEFAULT_MODE, opt_backend,
                                               MAX ((guint) opt_readers, SHMIPC_CHANNEL_DEFAULT_READERS),
                                               SHMIPC_CHANNEL_POLICY_WAIT, -1,
                                               SHMIPC_CHANNEL_OPEN_NONE, &error);

  if (p == NULL)
    die ("open", error);
  return p;
}

static double
throughput_channel (void)
{
  g_autofree gchar *name = bench_name ("tp");
  guint8 *buf = g_malloc (CHUNK);
  GError *error = NULL;
  ShmipcChannel *p;
  pid_t extra[SHMIPC_CHANNEL_MAX_READERS];
  guint n_extra;
  guint64 sent = 0;
  double t0;
  pid_t pid;

  memset (buf, 0x5a, CHUNK);
  p = open_producer (name, 0);
  n_extra = start_extra_readers (name, extra);
  t0 = now_s ();
  pid = fork ();
  if (pid == 0)
    reader_child (name, opt_bytes);
  if (!shmipc_channel_wait_readers (p, (guint) opt_readers, -1, &error))
    die ("wait for readers", error);
  while (sent < opt_bytes)
    {
      gsize n = (gsize) MIN ((guint64) CHUNK, opt_bytes - sent);

      if (!shmipc_channel_write (p, buf, n, -1, &error))
        die ("write", error);
      sent += n;
    }
  if (!shmipc_channel_close_write (p, &error))
    die ("close", error);
  wait_child (pid, NULL);
  while (n_extra > 0)
    wait_child (extra[--n_extra], NULL);
  t0 = now_s () - t0;
  shmipc_channel_unlink (p, NULL);
  shmipc_channel_free (p);
  g_free (buf);
  return opt_bytes / t0 / 1e9;
}

static double
throughput_fds (gboolean use_socket)
{
  /* The most favourable pipe: a 1 MiB buffer. */
  int buffer = use_socket ? 4 * CHUNK : CHUNK;
  guint8 *buf = g_malloc (CHUNK);
  int extra_fd[SHMIPC_CHANNEL_MAX_READERS];
  pid_t extra[SHMIPC_CHANNEL_MAX_READERS];
  guint64 sent = 0;
  guint n_extra, i;
  int fds[2];
  double t0;
  pid_t pid;

  memset (buf, 0x5a, CHUNK);
  /* Drainers first: they must not hold the measured pair open. */
  n_extra = (guint) opt_readers - 1;
  start_fd_drainers (use_socket, buffer, n_extra, G_MAXUINT64, extra_fd, extra);
  open_fds (use_socket, buffer, fds);
  t0 = now_s ();
  pid = fork ();
  if (pid == 0)
    {
      int in = use_socket ? fds[1] : fds[0];
      guint64 got = 0;
      ssize_t n;

      child_setup ();
      close (use_socket ? fds[0] : fds[1]);
      for (i = 0; i < n_extra; i++)
        close (extra_fd[i]);
      while ((n = read (in, buf, CHUNK)) > 0 || (n < 0 && errno == EINTR))
        got += n > 0 ? (guint64) n : 0;
      _exit (got == opt_bytes ? 0 : 1);
    }
  close (use_socket ? fds[1] : fds[0]);
  while (sent < opt_bytes)
    {
      gsize n = (gsize) MIN ((guint64) CHUNK, opt_bytes - sent);

      fd_write_all (use_socket ? fds[0] : fds[1], buf, n);
      for (i = 0; i < n_extra; i++)
        fd_write_all (extra_fd[i], buf, n);
      sent += n;
    }
  close (use_socket ? fds[0] : fds[1]);
  wait_child (pid, NULL);
  stop_fd_drainers (n_extra, extra_fd, extra);
  t0 = now_s () - t0;
  g_free (buf);
  return opt_bytes / t0 / 1e9;
}

/* The floor of the channel's format for a stream: a raw ring of the
 * default capacity with each position on a cache line of its own, as the
 * channel has. The producer copies each 1 MiB write in steps of 64 KiB
 * (as shmipc_channel_write() commits), the reader copies out what there
 * is, up to 1 MiB at a time (as the channel's reader does); both spin,
 * nothing else: no library, no checks, no sleeping. Across CPUs the
 * figure is what this machine's caches let two cores move. */
#define RING_STEP (64 * 1024)

typedef struct {
  guint64 write_pos;
  guint8 pad0[120];
  guint64 read_pos;
  guint8 pad1[4096 - 136];
} RingPositions;

static double
throughput_ring (void)
{
  const guint64 cap = SHMIPC_CHANNEL_DEFAULT_CAPACITY;
  gsize size = sizeof (RingPositions) + cap;
  guint8 *buf = g_malloc (CHUNK);
  RingPositions *h;
  guint8 *ring;
  guint64 pos = 0;
  double t0;
  pid_t pid;

  h = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (h == MAP_FAILED)
    die ("mmap", NULL);
  ring = (guint8 *) (h + 1);
  memset (ring, 0, cap);
  memset (buf, 0x5a, CHUNK);
  t0 = now_s ();
  pid = fork ();
  if (pid == 0)
    {
      child_setup ();
#ifdef MADV_POPULATE_READ
      /* As a channel's reader maps its ring when it opens it. */
      (void) madvise (h, size, MADV_POPULATE_READ);
#endif
      while (pos < opt_bytes)
        {
          guint64 w;
          gsize n;

          while ((w = __atomic_load_n (&h->write_pos, __ATOMIC_ACQUIRE)) == pos)
            relax ();
          n = (gsize) MIN (MIN (w - pos, cap - pos % cap), (guint64) CHUNK);
          memcpy (buf, ring + pos % cap, n);
          pos += n;
          __atomic_store_n (&h->read_pos, pos, __ATOMIC_RELEASE);
        }
      _exit (0);
    }
  while (pos < opt_bytes)
    {
      guint64 end = MIN (pos + CHUNK, opt_bytes);

      while (pos < end)
        {
          guint64 r;
          gsize n;

          while (pos - (r = __atomic_load_n (&h->read_pos, __ATOMIC_ACQUIRE)) >= cap)
            relax ();
          n = (gsize) MIN (MIN (cap - (pos - r), cap - pos % cap), MIN (end - pos, (guint64) RING_STEP));
          memcpy (ring + pos % cap, buf + (CHUNK - (end - pos)), n);
          pos += n;
          __atomic_store_n (&h->write_pos, pos, __ATOMIC_RELEASE);
        }
    }
  wait_child (pid, NULL);
  t0 = now_s () - t0;
  munmap (h, size);
  g_free (buf);
  return opt_bytes / t0 / 1e9;
}

/* The hardware limit of a copy: one core copying the write size from one
 * buffer to another, as often as the throughput test writes. */
static double
throughput_memcpy (void)
{
  guint8 *src = g_malloc (CHUNK);
  guint8 *dst = g_malloc (CHUNK);
  volatile guint8 sink;
  guint64 done = 0;
  double t0;

  memset (src, 0x5a, CHUNK);
  memset (dst, 0, CHUNK);
  t0 = now_s ();
  while (done < opt_bytes)
    {
      gsize n = (gsize) MIN ((guint64) CHUNK, opt_bytes - done);

      memcpy (dst, src, n);
      /* Keep the copy: the compiler may not drop it. */
      __asm__ __volatile__ ("" : : "r" (dst) : "memory");
      src[done % CHUNK]++;
      done += n;
    }
  t0 = now_s () - t0;
  sink = dst[0];
  (void) sink;
  g_free (src);
  g_free (dst);
  return opt_bytes / t0 / 1e9;
}

static void
run_throughput (void)
{
  double chan = throughput_channel ();
  double pipe_gbs = throughput_fds (FALSE);
  double sock = throughput_fds (TRUE);
  double copy = throughput_memcpy ();
  /* Two spinning processes on one CPU only wait for the time slice: no
   * floor to measure there; nor for the descriptors' fan-out. */
  double ring = !opt_same_cpu && opt_readers == 1 && sysconf (_SC_NPROCESSORS_ONLN) > 1 ?
                throughput_ring () : 0;

  printf ("throughput (%.1f GiB in 1 MiB writes, GB/s):\n", opt_bytes / 1073741824.0);
  printf ("  channel       %7.2f\n", chan);
  printf ("  pipe          %7.2f\n", pipe_gbs);
  printf ("  socketpair    %7.2f\n", sock);
  printf ("  channel/pipe   %6.2fx (target >= 3)\n", chan / pipe_gbs);
  printf ("  channel/socket %6.2fx\n", chan / sock);
  printf ("  memcpy        %7.2f (one core, %d KiB at a time)\n", copy, CHUNK / 1024);
  printf ("  channel/memcpy %.2fx (target >= 0.7 across CPUs)\n", chan / copy);
  if (ring > 0)
    {
      printf ("  ring          %7.2f (a raw ring of the channel's layout, spinning)\n", ring);
      printf ("  channel/ring   %6.2fx (the ring format's floor on this machine)\n", chan / ring);
    }
}

/* ---------------------------------------------------------------------- */
/* Latency: 64-byte ping-pong                                               */
/* ---------------------------------------------------------------------- */

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
channel_read_exact (ShmipcChannel *c, guint8 *buf, gsize n)
{
  GError *error = NULL;
  gsize done = 0;

  while (done < n)
    {
      gssize k = shmipc_channel_read (c, buf + done, n - done, -1, &error);

      if (k <= 0)
        die ("read", error);
      done += (gsize) k;
    }
}

/* Fills rtt[] (µs) with @rounds round trips. */
static void
latency_channel (double *rtt, gint rounds)
{
  g_autofree gchar *ping_name = bench_name ("ping");
  g_autofree gchar *pong_name = bench_name ("pong");
  guint8 msg[MSG];
  GError *error = NULL;
  ShmipcChannel *ping, *pong;
  gint warm = rounds / 10 + 100;
  pid_t extra[SHMIPC_CHANNEL_MAX_READERS];
  guint n_extra;
  gint i;
  pid_t pid;

  memset (msg, 1, sizeof msg);
  ping = open_producer (ping_name, 65536);
  pong = shmipc_channel_open (pong_name, SHMIPC_CHANNEL_CONSUMER, 65536,
                              SHMIPC_DEFAULT_MODE, opt_backend, &error);
  if (pong == NULL)
    die ("open", error);
  n_extra = start_extra_readers (ping_name, extra);
  pid = fork ();
  if (pid == 0)
    {
      ShmipcChannel *in, *out;

      child_setup ();
      in = shmipc_channel_open (ping_name, SHMIPC_CHANNEL_CONSUMER, 65536, SHMIPC_DEFAULT_MODE,
                                opt_backend, &error);
      out = in ? shmipc_channel_open (pong_name, SHMIPC_CHANNEL_PRODUCER, 65536,
                                      SHMIPC_DEFAULT_MODE, opt_backend, &error) : NULL;
      if (out == NULL)
        die ("open", error);
      for (i = 0; i < warm + rounds; i++)
        {
          channel_read_exact (in, msg, MSG);
          if (!shmipc_channel_write (out, msg, MSG, -1, &error))
            die ("write", error);
        }
      /* Read the end of the stream: a reader that leaves before it is
       * lost for the producer. */
      if (shmipc_channel_read (in, msg, MSG, -1, &error) != 0)
        die ("read the end", error);
      shmipc_channel_free (in);
      if (!shmipc_channel_close_write (out, &error))
        die ("close", error);
      shmipc_channel_free (out);
      _exit (0);
    }
  if (!shmipc_channel_wait_readers (ping, (guint) opt_readers, -1, &error))
    die ("wait for readers", error);
  for (i = 0; i < warm + rounds; i++)
    {
      struct timespec a, b;

      clock_gettime (CLOCK_MONOTONIC, &a);
      if (!shmipc_channel_write (ping, msg, MSG, -1, &error))
        die ("write", error);
      channel_read_exact (pong, msg, MSG);
      clock_gettime (CLOCK_MONOTONIC, &b);
      if (i >= warm)
        rtt[i - warm] = (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3;
    }
  if (!shmipc_channel_close_write (ping, &error))
    die ("close", error);
  wait_child (pid, NULL);
  while (n_extra > 0)
    wait_child (extra[--n_extra], NULL);
  shmipc_channel_unlink (ping, NULL);
  shmipc_channel_unlink (pong, NULL);
  shmipc_channel_free (ping);
  shmipc_channel_free (pong);
}

static void
latency_pipe (double *rtt, gint rounds)
{
  guint8 msg[MSG];
  gint warm = rounds / 10 + 100;
  int extra_fd[SHMIPC_CHANNEL_MAX_READERS];
  pid_t extra[SHMIPC_CHANNEL_MAX_READERS];
  int there[2], back[2];
  guint n_extra, j;
  gint i;
  pid_t pid;

  memset (msg, 1, sizeof msg);
  n_extra = (guint) opt_readers - 1;
  start_fd_drainers (FALSE, 65536, n_extra, G_MAXUINT64, extra_fd, extra);
  if (pipe (there) != 0 || pipe (back) != 0)
    die ("pipe", NULL);
  pid = fork ();
  if (pid == 0)
    {
      child_setup ();
      for (j = 0; j < n_extra; j++)
        close (extra_fd[j]);
      for (i = 0; i < warm + rounds; i++)
        {
          fd_read_all (there[0], msg, MSG);
          fd_write_all (back[1], msg, MSG);
        }
      _exit (0);
    }
  for (i = 0; i < warm + rounds; i++)
    {
      struct timespec a, b;

      clock_gettime (CLOCK_MONOTONIC, &a);
      /* The answering reader first: the most favourable order. */
      fd_write_all (there[1], msg, MSG);
      for (j = 0; j < n_extra; j++)
        fd_write_all (extra_fd[j], msg, MSG);
      fd_read_all (back[0], msg, MSG);
      clock_gettime (CLOCK_MONOTONIC, &b);
      if (i >= warm)
        rtt[i - warm] = (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3;
    }
  wait_child (pid, NULL);
  stop_fd_drainers (n_extra, extra_fd, extra);
  close (there[0]);
  close (there[1]);
  close (back[0]);
  close (back[1]);
}

/* The hardware limit of a round trip: two processes passing a counter
 * back and forth on one shared cache line, spinning, no channel. With
 * @two_lines, each way has a line of its own (the parent writes one, the
 * child the other), as a round trip through two channels, two objects,
 * needs at least. */
static void
latency_spin (double *rtt, gint rounds, gboolean two_lines)
{
  gint warm = rounds / 10 + 100;
  volatile guint64 *there, *back;
  gint i;
  pid_t pid;

  there = mmap (NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (there == MAP_FAILED)
    die ("mmap", NULL);
  /* Another page: no prefetcher pairs the two lines. */
  back = two_lines ? there + 4096 / sizeof *there : there;
  *there = *back = 0;
  pid = fork ();
  if (pid == 0)
    {
      guint64 want;

      child_setup ();
      for (want = 1; want < 2 * (guint64) (warm + rounds); want += 2)
        {
          while (__atomic_load_n (there, __ATOMIC_ACQUIRE) != want)
            relax ();
          __atomic_store_n (back, want + 1, __ATOMIC_RELEASE);
        }
      _exit (0);
    }
  for (i = 0; i < warm + rounds; i++)
    {
      guint64 next = 2 * (guint64) i + 1;
      struct timespec a, b;

      clock_gettime (CLOCK_MONOTONIC, &a);
      __atomic_store_n (there, next, __ATOMIC_RELEASE);
      while (__atomic_load_n (back, __ATOMIC_ACQUIRE) != next + 1)
        relax ();
      clock_gettime (CLOCK_MONOTONIC, &b);
      if (i >= warm)
        rtt[i - warm] = (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3;
    }
  wait_child (pid, NULL);
  munmap ((void *) there, 8192);
}

/* The floor of a ring whose position has a cache line of its own, as
 * the channel's does: each side writes the 64 bytes into its ring, then
 * stores its position (release), fences and loads a flag, as a waker
 * does; the other side spins on the position while fetching the ring's
 * next line, copies the bytes out and stores its own read position. No
 * library, no checks: what the channel's format costs on this machine. */
typedef struct {
  guint64 write_pos;
  guint8 pad0[120];
  guint64 read_pos;
  guint8 pad1[120];
  guint32 sleeping;
  guint8 pad2[4096 - 260];
  guint8 ring[65536];
} RawRing;

static void
raw_fence (void)
{
  __atomic_thread_fence (__ATOMIC_SEQ_CST);
}

static void
raw_send (RawRing *r, guint64 *pos, const guint8 *msg)
{
  memcpy (r->ring + *pos % sizeof r->ring, msg, MSG);
  *pos += MSG;
  __atomic_store_n (&r->write_pos, *pos, __ATOMIC_RELEASE);
  raw_fence ();
  (void) __atomic_load_n (&r->sleeping, __ATOMIC_RELAXED);
}

static void
raw_receive (RawRing *r, guint64 *pos, guint8 *msg)
{
  const guint8 *next = r->ring + *pos % sizeof r->ring;

  do
    {
      __builtin_prefetch (next);
      relax ();
    }
  while (__atomic_load_n (&r->write_pos, __ATOMIC_ACQUIRE) == *pos);
  memcpy (msg, next, MSG);
  *pos += MSG;
  __atomic_store_n (&r->read_pos, *pos, __ATOMIC_RELEASE);
  raw_fence ();
  (void) __atomic_load_n (&r->sleeping, __ATOMIC_RELAXED);
}

static void
latency_ring (double *rtt, gint rounds)
{
  gint warm = rounds / 10 + 100;
  RawRing *there, *back;
  guint64 there_pos = 0, back_pos = 0;
  guint8 msg[MSG];
  gint i;
  pid_t pid;

  there = mmap (NULL, sizeof *there, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  back = mmap (NULL, sizeof *back, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (there == MAP_FAILED || back == MAP_FAILED)
    die ("mmap", NULL);
  memset (msg, 1, sizeof msg);
  pid = fork ();
  if (pid == 0)
    {
      child_setup ();
      for (i = 0; i < warm + rounds; i++)
        {
          raw_receive (there, &there_pos, msg);
          raw_send (back, &back_pos, msg);
        }
      _exit (0);
    }
  for (i = 0; i < warm + rounds; i++)
    {
      struct timespec a, b;

      clock_gettime (CLOCK_MONOTONIC, &a);
      raw_send (there, &there_pos, msg);
      raw_receive (back, &back_pos, msg);
      clock_gettime (CLOCK_MONOTONIC, &b);
      if (i >= warm)
        rtt[i - warm] = (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3;
    }
  wait_child (pid, NULL);
  munmap (there, sizeof *there);
  munmap (back, sizeof *back);
}

/* The round trips are measured in this many slices, taking turns: a host
 * whose speed changes during the run (a 2-vCPU guest moves between
 * faster and slower phases within seconds) then changes them alike.
 * Throughput is measured in one piece: each of its runs has a start
 * cost (a fresh process's page faults, a waking vCPU: some 10 ms on
 * such a guest) that short slices would weigh. */
#define LATENCY_SLICES 4

static void
run_latency (void)
{
  double *chan = g_new (double, opt_rounds);
  double *pipes = g_new (double, opt_rounds);
  double *spin = NULL;
  double *spin2 = NULL;
  double *ring = NULL;
  double cm, cp, pm, pp;
  gint done = 0;
  gint i;

  /* Spinning against a peer on the same CPU waits for the scheduler's
   * time slice: no hardware limit to measure there. */
  if (!opt_same_cpu && sysconf (_SC_NPROCESSORS_ONLN) > 1)
    {
      spin = g_new (double, opt_rounds);
      spin2 = g_new (double, opt_rounds);
      ring = g_new (double, opt_rounds);
    }
  for (i = 0; i < LATENCY_SLICES; i++)
    {
      /* The rest in the last slice. */
      gint n = i + 1 < LATENCY_SLICES ? opt_rounds / LATENCY_SLICES : opt_rounds - done;

      latency_channel (chan + done, n);
      latency_pipe (pipes + done, n);
      if (spin != NULL)
        {
          latency_spin (spin + done, n, FALSE);
          latency_spin (spin2 + done, n, TRUE);
          latency_ring (ring + done, n);
        }
      done += n;
    }
  if (spin != NULL)
    {
      qsort (spin, opt_rounds, sizeof (double), compare_double);
      qsort (spin2, opt_rounds, sizeof (double), compare_double);
      qsort (ring, opt_rounds, sizeof (double), compare_double);
    }
  qsort (chan, opt_rounds, sizeof (double), compare_double);
  qsort (pipes, opt_rounds, sizeof (double), compare_double);
  cm = chan[opt_rounds / 2];
  cp = chan[(gint) (opt_rounds * 0.99)];
  pm = pipes[opt_rounds / 2];
  pp = pipes[(gint) (opt_rounds * 0.99)];
  printf ("round trip, %d-byte ping-pong, %d rounds (µs):\n", MSG, opt_rounds);
  printf ("  channel pair  median %8.2f  p99 %8.2f\n", cm, cp);
  printf ("  pipe pair     median %8.2f  p99 %8.2f\n", pm, pp);
  printf ("  channel/pipe median %.3fx (target <= 0.25), p99 %.3fx\n", cm / pm, cp / pp);
  if (spin != NULL)
    {
      printf ("  spin pair    median %8.2f  p99 %8.2f\n", spin[opt_rounds / 2],
              spin[(gint) (opt_rounds * 0.99)]);
      printf ("  channel/spin median %.3fx (target <= 1.25 across CPUs)\n", cm / spin[opt_rounds / 2]);
      printf ("  spin 2 lines median %8.2f  p99 %8.2f\n", spin2[opt_rounds / 2],
              spin2[(gint) (opt_rounds * 0.99)]);
      printf ("  channel/spin2 median %.3fx (two channels, two objects: at least one line each way)\n",
              cm / spin2[opt_rounds / 2]);
      printf ("  ring pair    median %8.2f  p99 %8.2f\n", ring[opt_rounds / 2],
              ring[(gint) (opt_rounds * 0.99)]);
      printf ("  channel/ring median %.3fx (the ring format's floor: data line, then position line)\n",
              cm / ring[opt_rounds / 2]);
    }
  else
    printf ("  spin pair    not measured: both ends on one CPU\n");
  g_free (chan);
  g_free (pipes);
  g_free (spin);
  g_free (spin2);
  g_free (ring);
}

/* ---------------------------------------------------------------------- */
/* Idle: a consumer waiting with no data                                    */
/* ---------------------------------------------------------------------- */

static void
run_idle (void)
{
  g_autofree gchar *name = bench_name ("idle");
  GError *error = NULL;
  ShmipcChannel *p;
  struct rusage ru;
  double cpu;
  double t0;
  pid_t pid;

  p = shmipc_channel_open (name, SHMIPC_CHANNEL_PRODUCER, 0, SHMIPC_DEFAULT_MODE,
                           opt_backend, &error);
  if (p == NULL)
    die ("open", error);
  t0 = now_s ();
  pid = fork ();
  if (pid == 0)
    {
      ShmipcChannel *c;
      guint8 b;

      child_setup ();
      c = shmipc_channel_open (name, SHMIPC_CHANNEL_CONSUMER, 0, SHMIPC_DEFAULT_MODE,
                               opt_backend, &error);
      if (c == NULL)
        die ("open", error);
      /* The producer is alive and silent: wait until the timeout. */
      if (shmipc_channel_read (c, &b, 1, opt_seconds * 1000, &error) >= 0 ||
          !g_error_matches (error, SHMIPC_ERROR, SHMIPC_ERROR_TIMED_OUT))
        die ("read", error);
      _exit (0);
    }
  wait_child (pid, &ru);
  t0 = now_s () - t0;
  cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  printf ("idle consumer, %.2f s waiting: %.4f s CPU = %.3f %% of one core (target < 1 %%)\n",
          t0, cpu, 100.0 * cpu / t0);
  shmipc_channel_unlink (p, NULL);
  shmipc_channel_free (p);
}

int
main (int argc, char **argv)
{
  gchar *backend = NULL;
  gint64 bytes = 0;
  gint64 fanout_bytes = 0;
  GOptionEntry entries[] = {
    { "backend", 'b', 0, G_OPTION_ARG_STRING, &backend, "posix, sysv or auto", "B" },
    { "bytes", 0, 0, G_OPTION_ARG_INT64, &bytes, "bytes moved by the throughput test", "N" },
    { "rounds", 0, 0, G_OPTION_ARG_INT, &opt_rounds, "ping-pong rounds", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &opt_seconds, "idle wait", "N" },
    { "fanout-bytes", 0, 0, G_OPTION_ARG_INT64, &fanout_bytes, "bytes each reader reads in the readers test", "N" },
    { "pin", 0, 0, G_OPTION_ARG_NONE, &opt_pin, "run parent and child on CPUs 0 and 1", NULL },
    { "same-cpu", 0, 0, G_OPTION_ARG_NONE, &opt_same_cpu, "run parent and child both on CPU 0", NULL },
    { "readers", 0, 0, G_OPTION_ARG_INT, &opt_readers, "readers of the measured channel in the throughput and latency tests (the others drain it; the pipes fan out alike)", "N" },
    { NULL }
  };
  GOptionContext *context = g_option_context_new ("[throughput|latency|idle|readers|all]");
  GError *error = NULL;
  const char *what;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) ||
      (backend != NULL && !shmipc_backend_from_string (backend, &opt_backend, &error)))
    {
      fprintf (stderr, "bench-channel: %s\n", error->message);
      return 2;
    }
  if (bytes > 0)
    opt_bytes = (guint64) bytes;
  if (fanout_bytes > 0)
    opt_fanout_bytes = (guint64) fanout_bytes;
  if (opt_pin && opt_same_cpu)
    {
      fprintf (stderr, "bench-channel: --pin and --same-cpu exclude each other\n");
      return 2;
    }
  if (opt_readers < 1 || opt_readers > SHMIPC_CHANNEL_MAX_READERS)
    {
      fprintf (stderr, "bench-channel: --readers must be 1 to %d\n", SHMIPC_CHANNEL_MAX_READERS);
      return 2;
    }
  if (opt_rounds < 100 || opt_seconds < 1)
    {
      fprintf (stderr, "bench-channel: --rounds must be >= 100 and --seconds >= 1\n");
      return 2;
    }
  what = argc > 1 ? argv[1] : "all";
  pin_to (0);
  printf ("machine: %ld CPUs online\n", sysconf (_SC_NPROCESSORS_ONLN));
  if (opt_same_cpu || opt_pin)
    printf ("placement: %s\n", opt_same_cpu ? "both ends on CPU 0" : "parent on CPU 0, child on CPU 1");
  if (opt_readers > 1)
    printf ("readers: %d (the channel measured has %d more readers, draining it)\n",
            opt_readers, opt_readers - 1);
  if (g_str_equal (what, "throughput") || g_str_equal (what, "all"))
    run_throughput ();
  if (g_str_equal (what, "latency") || g_str_equal (what, "all"))
    run_latency ();
  if (g_str_equal (what, "idle") || g_str_equal (what, "all"))
    run_idle ();
  if (g_str_equal (what, "readers") || g_str_equal (what, "all"))
    run_readers ();
  g_option_context_free (context);
  g_free (backend);
  return 0;
}
