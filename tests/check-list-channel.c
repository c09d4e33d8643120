/* check-list-channel.c - unit tests of channels as listing and
 * describing show them (shmdump --list, --info)
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "check-common.h"
#include "tool-list.h"

#define CAPACITY 65536

static gboolean
backend_usable (ShmipcBackend backend)
{
  return backend == SHMIPC_BACKEND_SYSV || shmipc_backend_is_available (backend);
}

/* Lists the objects and returns (a copy of) the one made as @name. */
static ShmipcObjectInfo *
list_one (const gchar   *name,
          ShmipcBackend  backend,
          GPtrArray    **objects_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) objects = shmipc_list_objects (&error);
  gint32 key = shmipc_name_to_key (name);
  ShmipcObjectInfo *found = NULL;
  guint i;

  ck_assert_no_error (error);
  for (i = 0; i < objects->len && found == NULL; i++)
    {
      const ShmipcObjectInfo *info = objects->pdata[i];

      if (info->backend != backend)
        continue;
      if ((backend == SHMIPC_BACKEND_POSIX && g_strcmp0 (info->name, name) == 0) ||
          (backend == SHMIPC_BACKEND_SYSV && info->key == key))
        found = shmipc_object_info_copy (info);
    }
  ck_assert_msg (found != NULL, "%s not listed", name);
  if (objects_out != NULL)
    *objects_out = g_steal_pointer (&objects);
  return found;
}

/* The value of the detail @label as shmdump shows it (the "details" of
 * its JSON, the lines after "Format" of --info), or NULL. */
static const gchar *
detail (const ShmipcObjectInfo *info,
        const gchar            *label)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GString) json = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  JsonObject *object;
  JsonObject *details;

  tool_info_to_json (info, FALSE, json);
  ck_assert (json_parser_load_from_data (parser, json->str, -1, &error));
  object = json_node_get_object (json_parser_get_root (parser));
  ck_assert (json_object_has_member (object, "details"));
  details = json_object_get_object_member (object, "details");
  if (!json_object_has_member (details, label))
    return NULL;
  return g_intern_string (json_object_get_string_member (details, label));
}

#define ck_assert_detail(info, label, expected) \
  do { \
    const gchar *value_ = detail ((info), (label)); \
    ck_assert_msg (value_ != NULL, "no detail \"%s\"", (label)); \
    ck_assert_msg (strcmp (value_, (expected)) == 0, "detail \"%s\": \"%s\", expected \"%s\"", \
                   (label), value_, (expected)); \
  } while (0)

static gchar *
pid_detail (gint32      pid,
            const char *alive)
{
  return g_strdup_printf ("%d (%s)", (int) pid, alive);
}

/* The FORMAT cell of @name's line in the --list table of @objects: the
 * text between the ATTACHED and MODIFIED columns. */
static gchar *
table_format (GPtrArray     *objects,
              const gchar   *name,
              ShmipcBackend  backend)
{
  g_autoptr(GString) table = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  g_autofree gchar *id = NULL;
  gsize format_at, modified_at;
  guint i;

  tool_list_format (objects, table);
  lines = g_strsplit (table->str, "\n", -1);
  format_at = (gsize) (strstr (lines[0], "FORMAT") - lines[0]);
  modified_at = (gsize) (strstr (lines[0], "MODIFIED") - lines[0]);
  ck_assert_uint_gt (modified_at, format_at);
  if (backend == SHMIPC_BACKEND_POSIX)
    id = g_strdup_printf (" %s ", name);
  else
    id = g_strdup_printf (" 0x%08x ", (guint32) shmipc_name_to_key (name));
  for (i = 1; lines[i] != NULL; i++)
    if (strstr (lines[i], id) != NULL)
      {
        ck_assert_uint_gt (strlen (lines[i]), modified_at);
        return g_strstrip (g_strndup (lines[i] + format_at, modified_at - format_at));
      }
  ck_abort_msg ("%s not in the table:\n%s", id, table->str);
  return NULL;
}

/* The READERS cell of @name's row in the table of @objects. */
static gchar *
table_readers (GPtrArray     *objects,
               const gchar   *name,
               ShmipcBackend  backend)
{
  g_autoptr(GString) table = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  g_autofree gchar *id = NULL;
  gsize readers_at, format_at;
  guint i;

  tool_list_format (objects, table);
  lines = g_strsplit (table->str, "\n", -1);
  readers_at = (gsize) (strstr (lines[0], "ATTACHED") - lines[0]) + strlen ("ATTACHED");
  format_at = (gsize) (strstr (lines[0], "FORMAT") - lines[0]);
  if (backend == SHMIPC_BACKEND_POSIX)
    id = g_strdup_printf (" %s ", name);
  else
    id = g_strdup_printf (" 0x%08x ", (guint32) shmipc_name_to_key (name));
  for (i = 1; lines[i] != NULL; i++)
    if (strstr (lines[i], id) != NULL)
      return g_strstrip (g_strndup (lines[i] + readers_at, format_at - readers_at));
  ck_abort_msg ("%s not in the table:\n%s", id, table->str);
  return NULL;
}

/* The JSON object of @info, parsed. */
static JsonObject *
to_json (const ShmipcObjectInfo *info,
         JsonParser             *parser)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) json = g_string_new (NULL);

  tool_info_to_json (info, FALSE, json);
  ck_assert (json_parser_load_from_data (parser, json->str, -1, &error));
  ck_assert_no_error (error);
  ck_assert (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_node_get_object (json_parser_get_root (parser));
}

/* A live channel, held by this process: decoded, never stale. */
static void
check_live_channel (ShmipcBackend backend)
{
  g_autofree gchar *name = test_unique_name ("listch");
  g_autoptr(GError) error = NULL;
  g_autoptr(ShmipcChannel) producer = NULL;
  g_autoptr(ShmipcChannel) consumer = NULL;
  g_autoptr(ShmipcObjectInfo) info = NULL;
  g_autoptr(ShmipcObjectInfo) looked_up = NULL;
  g_autoptr(GPtrArray) objects = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree gchar *me_alive = pid_detail (getpid (), "alive");
  g_autofree gchar *format = NULL;
  g_autofree gchar *line = NULL;
  JsonObject *json;
  JsonObject *details;
  guint8 data[1000];
  guint8 back[400];

  memset (data, 'x', sizeof data);
  producer = shmipc_channel_open (name, SHMIPC_CHANNEL_PRODUCER, CAPACITY, 0600, backend, &error);
  ck_assert_no_error (error);
  ck_assert (shmipc_channel_write (producer, data, sizeof data, 0, &error));
  ck_assert_no_error (error);

  info = list_one (name, backend, &objects);
  ck_assert_str_eq (shmipc_object_format_to_string (info->format), "channel");
  ck_assert_uint_eq (info->size, SHMIPC_CHANNEL_HEADER_SIZE + CAPACITY);
  ck_assert_detail (info, "Channel version", "2");
  ck_assert_detail (info, "Capacity", "65536");
  ck_assert_detail (info, "Fill", "1000");
  ck_assert_detail (info, "Read position", "0");
  ck_assert_detail (info, "Write position", "1000");
  ck_assert_detail (info, "State", "open");
  ck_assert_detail (info, "Producer pid", me_alive);
  ck_assert_detail (info, "Policy", "wait");
  ck_assert_detail (info, "Readers", "0 of at most 28 (the stream waits for its first reader)");
  ck_assert_detail (info, "Stale", "no");
  ck_assert (!info->stale);
  ck_assert_ptr_null (detail (info, "Header"));
  format = table_format (objects, name, backend);
  ck_assert_str_eq (format, "channel");

  json = to_json (info, parser);
  ck_assert_str_eq (json_object_get_string_member (json, "format"), "channel");
  ck_assert (json_object_has_member (json, "stale"));
  ck_assert (!json_object_get_boolean_member (json, "stale"));
  details = json_object_get_object_member (json, "details");
  ck_assert_str_eq (json_object_get_string_member (details, "Capacity"), "65536");
  ck_assert_str_eq (json_object_get_string_member (details, "Producer pid"), me_alive);
  ck_assert_str_eq (json_object_get_string_member (json, "policy"), "wait");
  ck_assert_int_eq (json_object_get_int_member (json, "max_readers"), 28);
  ck_assert_uint_eq (json_array_get_length (json_object_get_array_member (json, "readers")), 0);

  /* A consumer joins and reads part; the producer ends the stream. */
  consumer = shmipc_channel_open (name, SHMIPC_CHANNEL_CONSUMER, 0, 0600, backend, &error);
  ck_assert_no_error (error);
  ck_assert_int_eq (shmipc_channel_read (consumer, back, sizeof back, 0, &error), sizeof back);
  ck_assert_no_error (error);
  ck_assert (shmipc_channel_close_write (producer, &error));
  ck_assert_no_error (error);

  looked_up = shmipc_object_info_lookup (name, backend, &error);
  ck_assert_no_error (error);
  ck_assert_str_eq (shmipc_object_format_to_string (looked_up->format), "channel");
  tool_info_format (looked_up, text);
  ck_assert_ptr_nonnull (strstr (text->str, "\nFormat: channel\n"));
  ck_assert_ptr_nonnull (strstr (text->str, "\nCapacity: 65536\n"));
  ck_assert_ptr_nonnull (strstr (text->str, "\nFill: 600\n"));
  ck_assert_ptr_nonnull (strstr (text->str, "\nRead position: 400\n"));
  ck_assert_ptr_nonnull (strstr (text->str, "\nState: end-of-stream\n"));
  line = g_strdup_printf ("\nProducer pid: %s\nPolicy: wait\nReaders: 1 of at most 28\n"
                          "Reader 0: pid %d (alive), reading, position 400, lag 600\nStale: no\n",
                          me_alive, (int) getpid ());
  ck_assert_msg (strstr (text->str, line) != NULL, "no \"%s\" in:\n%s", line + 1, text->str);
  {
    JsonObject *reader;
    JsonArray *readers;

    json = to_json (looked_up, parser);
    readers = json_object_get_array_member (json, "readers");
    ck_assert_uint_eq (json_array_get_length (readers), 1);
    reader = json_array_get_object_element (readers, 0);
    ck_assert_int_eq (json_object_get_int_member (reader, "pid"), getpid ());
    ck_assert (json_object_get_boolean_member (reader, "alive"));
    ck_assert_int_eq (json_object_get_int_member (reader, "position"), 400);
    ck_assert_int_eq (json_object_get_int_member (reader, "lag"), 600);
    ck_assert_str_eq (json_object_get_string_member (reader, "state"), "reading");
  }

  /* The producer leaves, its stream finished, as prod --stream does. */
  g_clear_pointer (&producer, shmipc_channel_free);
  g_clear_pointer (&info, shmipc_object_info_free);
  g_clear_pointer (&objects, g_ptr_array_unref);
  info = list_one (name, backend, &objects);
  ck_assert_detail (info, "Producer pid", "none");
  g_clear_pointer (&line, g_free);
  line = g_strdup_printf ("pid %d (alive), reading, position 400, lag 600", (int) getpid ());
  ck_assert_detail (info, "Reader 0", line);
  ck_assert_detail (info, "Stale", "no");
  ck_assert (!info->stale);
  g_clear_pointer (&format, g_free);
  format = table_readers (objects, name, backend);
  ck_assert_str_eq (format, "1");

  /* The consumer reads the rest and the end, and leaves: nobody will
   * use it again. */
  ck_assert_int_eq (shmipc_channel_read (consumer, data, sizeof data, 0, &error), 600);
  ck_assert_no_error (error);
  ck_assert_int_eq (shmipc_channel_read (consumer, data, sizeof data, 0, &error), 0);
  ck_assert_no_error (error);
  g_clear_pointer (&consumer, shmipc_channel_free);
  g_clear_pointer (&info, shmipc_object_info_free);
  g_clear_pointer (&objects, g_ptr_array_unref);
  g_clear_pointer (&format, g_free);
  info = list_one (name, backend, &objects);
  ck_assert_detail (info, "Fill", "0");
  ck_assert_detail (info, "Read position", "1000");
  ck_assert_detail (info, "Readers", "0 of at most 28");
  ck_assert_detail (info, "Stale", "yes");
  ck_assert (info->stale);
  format = table_format (objects, name, backend);
  ck_assert_str_eq (format, "channel (stale)");
  ck_assert (shmipc_unlink (name, backend, &error));
  ck_assert_no_error (error);
}

START_TEST (test_live_posix)
{
  TEST_SKIP_UNLESS (backend_usable (SHMIPC_BACKEND_POSIX),
                    "no POSIX shared memory in this build or system");
  check_live_channel (SHMIPC_BACKEND_POSIX);
}
END_TEST

START_TEST (test_live_sysv)
{
  check_live_channel (SHMIPC_BACKEND_SYSV);
}
END_TEST

/* A channel whose producer, another process, is killed: stale until a
 * consumer joins, and again when that consumer leaves. */
static void
check_stale_channel (ShmipcBackend backend)
{
  g_autofree gchar *name = test_unique_name ("stalech");
  g_autoptr(GError) error = NULL;
  g_autoptr(ShmipcObjectInfo) info = NULL;
  g_autoptr(GPtrArray) objects = NULL;
  g_autoptr(ShmipcChannel) consumer = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree gchar *child_alive = NULL;
  g_autofree gchar *child_dead = NULL;
  g_autofree gchar *line = NULL;
  g_autofree gchar *format = NULL;
  JsonObject *json;
  int ready[2];
  char byte = 0;
  pid_t child;
  int status;

  ck_assert_int_eq (pipe (ready), 0);
  child = fork ();
  ck_assert_int_ge (child, 0);
  if (child == 0)
    {
      ShmipcChannel *producer;

      close (ready[0]);
      /* Never outlive a test that failed before killing us. */
      alarm (120);
      producer = shmipc_channel_open (name, SHMIPC_CHANNEL_PRODUCER, CAPACITY, 0600,
                                      backend, &error);
      if (producer == NULL || !shmipc_channel_write (producer, "stale bytes", 11, 0, &error))
        {
          fprintf (stderr, "child: %s\n", error->message);
          (void) !write (ready[1], "e", 1);
          _exit (1);
        }
      (void) !write (ready[1], "r", 1);
      for (;;)
        pause ();
    }
  close (ready[1]);
  ck_assert_int_eq (read (ready[0], &byte, 1), 1);
  close (ready[0]);
  ck_assert_msg (byte == 'r', "the child could not make the channel");
  child_alive = pid_detail (child, "alive");
  child_dead = pid_detail (child, "dead");

  info = list_one (name, backend, &objects);
  ck_assert_str_eq (shmipc_object_format_to_string (info->format), "channel");
  ck_assert_detail (info, "Producer pid", child_alive);
  ck_assert_detail (info, "Stale", "no");
  ck_assert (!info->stale);
  ck_assert_detail (info, "Fill", "11");
  format = table_format (objects, name, backend);
  ck_assert_str_eq (format, "channel");

  ck_assert_int_eq (kill (child, SIGKILL), 0);
  ck_assert_int_eq (waitpid (child, &status, 0), child);
  ck_assert (WIFSIGNALED (status));

  g_clear_pointer (&info, shmipc_object_info_free);
  g_clear_pointer (&objects, g_ptr_array_unref);
  g_clear_pointer (&format, g_free);
  info = list_one (name, backend, &objects);
  ck_assert_str_eq (shmipc_object_format_to_string (info->format), "channel");
  ck_assert_detail (info, "Producer pid", child_dead);
  ck_assert_detail (info, "Readers", "0 of at most 28 (the stream waits for its first reader)");
  ck_assert_detail (info, "State", "open");
  ck_assert_detail (info, "Fill", "11");
  ck_assert_detail (info, "Stale", "yes");
  ck_assert (info->stale);
  format = table_format (objects, name, backend);
  ck_assert_str_eq (format, "channel (stale)");
  json = to_json (info, parser);
  ck_assert_str_eq (json_object_get_string_member (json, "format"), "channel");
  ck_assert (json_object_get_boolean_member (json, "stale"));
  tool_info_format (info, text);
  ck_assert_ptr_nonnull (strstr (text->str, "\nStale: yes\n"));

  /* A live consumer: not stale, though its producer is dead. */
  consumer = shmipc_channel_open (name, SHMIPC_CHANNEL_CONSUMER, 0, 0600, backend, &error);
  ck_assert_no_error (error);
  g_clear_pointer (&info, shmipc_object_info_free);
  g_clear_pointer (&objects, g_ptr_array_unref);
  g_clear_pointer (&format, g_free);
  info = list_one (name, backend, &objects);
  ck_assert_detail (info, "Producer pid", child_dead);
  line = g_strdup_printf ("pid %d (alive), reading, position 0, lag 11", (int) getpid ());
  ck_assert_detail (info, "Reader 0", line);
  ck_assert_detail (info, "Stale", "no");
  ck_assert (!info->stale);
  format = table_format (objects, name, backend);
  ck_assert_str_eq (format, "channel");

  /* The reader leaves before the end of the stream: its slot says so
   * (no producer is left to notice), and the channel is stale. */
  g_clear_pointer (&consumer, shmipc_channel_free);
  g_clear_pointer (&info, shmipc_object_info_free);
  info = shmipc_object_info_lookup (name, backend, &error);
  ck_assert_no_error (error);
  ck_assert_detail (info, "State", "open");
  g_clear_pointer (&line, g_free);
  line = g_strdup_printf ("pid %d (alive), left, position 0, lag 11", (int) getpid ());
  ck_assert_detail (info, "Reader 0", line);
  ck_assert_detail (info, "Stale", "yes");
  ck_assert (info->stale);
  json = to_json (info, parser);
  ck_assert (json_object_get_boolean_member (json, "stale"));

  ck_assert (shmipc_unlink (name, backend, &error));
  ck_assert_no_error (error);
}

START_TEST (test_stale_posix)
{
  TEST_SKIP_UNLESS (backend_usable (SHMIPC_BACKEND_POSIX),
                    "no POSIX shared memory in this build or system");
  check_stale_channel (SHMIPC_BACKEND_POSIX);
}
END_TEST

START_TEST (test_stale_sysv)
{
  check_stale_channel (SHMIPC_BACKEND_SYSV);
}
END_TEST

/* Objects that start with the channel magic but are no channel. */
static void
check_not_channel (ShmipcBackend backend)
{
  g_autofree gchar *small_name = test_unique_name ("smallch");
  g_autofree gchar *bad_name = test_unique_name ("badch");
  g_autoptr(GError) error = NULL;
  g_autoptr(ShmipcSegment) small = NULL;
  g_autoptr(ShmipcSegment) bad = NULL;
  g_autoptr(ShmipcObjectInfo) info = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  const gchar *header;
  JsonObject *json;
  guint8 *data;
  guint32 version = 99;
  guint32 header_size = SHMIPC_CHANNEL_HEADER_SIZE;
  guint64 capacity = 4096;

  /* Too small to hold a header and a ring: raw bytes. */
  small = shmipc_segment_open (small_name, SHMIPC_OPEN_CREATE | SHMIPC_OPEN_EXCLUSIVE,
                               1024, 0600, backend, &error);
  ck_assert_no_error (error);
  memcpy (shmipc_segment_get_data (small), SHMIPC_CHANNEL_MAGIC, 8);
  info = list_one (small_name, backend, NULL);
  ck_assert_str_eq (shmipc_object_format_to_string (info->format), "raw");
  ck_assert_ptr_null (info->channel);
  ck_assert_ptr_null (info->header_error);
  ck_assert (!info->stale);
  json = to_json (info, parser);
  ck_assert (!json_object_has_member (json, "stale"));
  ck_assert (!json_object_has_member (json, "details"));

  /* The magic with an unknown version (offset 8, as shmipc-channel.c
   * lays the header out): a channel whose header is not decoded. */
  bad = shmipc_segment_open (bad_name, SHMIPC_OPEN_CREATE | SHMIPC_OPEN_EXCLUSIVE,
                             SHMIPC_CHANNEL_HEADER_SIZE + capacity, 0600, backend, &error);
  ck_assert_no_error (error);
  data = shmipc_segment_get_data (bad);
  memcpy (data + 8, &version, sizeof version);
  memcpy (data + 12, &header_size, sizeof header_size);
  memcpy (data + 16, &capacity, sizeof capacity);
  memcpy (data, SHMIPC_CHANNEL_MAGIC, 8);
  g_clear_pointer (&info, shmipc_object_info_free);
  info = list_one (bad_name, backend, NULL);
  ck_assert_str_eq (shmipc_object_format_to_string (info->format), "channel");
  header = detail (info, "Header");
  ck_assert_msg (header != NULL && g_str_has_prefix (header, "corrupt: ") &&
                 strstr (header, "version 99") != NULL,
                 "Header detail: %s", header != NULL ? header : "(none)");
  ck_assert_ptr_null (detail (info, "Stale"));
  ck_assert_ptr_null (detail (info, "Capacity"));
  json = to_json (info, parser);
  ck_assert (!json_object_has_member (json, "stale"));

  shmipc_segment_unlink (small, NULL);
  shmipc_segment_unlink (bad, NULL);
}

START_TEST (test_not_channel_posix)
{
  TEST_SKIP_UNLESS (backend_usable (SHMIPC_BACKEND_POSIX),
                    "no POSIX shared memory in this build or system");
  check_not_channel (SHMIPC_BACKEND_POSIX);
}
END_TEST

START_TEST (test_not_channel_sysv)
{
  check_not_channel (SHMIPC_BACKEND_SYSV);
}
END_TEST

static Suite *
list_channel_suite (void)
{
  Suite *suite = suite_create ("list-channel");
  TCase *tc = tcase_create ("channels");

  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_live_posix);
  tcase_add_test (tc, test_live_sysv);
  tcase_add_test (tc, test_stale_posix);
  tcase_add_test (tc, test_stale_sysv);
  tcase_add_test (tc, test_not_channel_posix);
  tcase_add_test (tc, test_not_channel_sysv);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  Suite *suites[] = { list_channel_suite () };

  return test_run_suites (suites, G_N_ELEMENTS (suites));
}
