"""Faults: what a run does when translators, tools, engines, the machine or hostile bytes
misbehave. Each numbered point of the fault report has real tests (real processes, fake
engines as scripts on ``PATH``, loopback servers, tmpfs mounts, immutable folders), here
or where the feature lives; the guarantees they hold are stated in ``docs/guarantees.md``.

1. A translator's save during a build survives (renamed over, or rewritten in place):
   ``test_concurrent_saves.py`` (one save per build at set moments; and randomised: another
   process saving at random moments through several builds).
2. U+2028, U+2029 and U+0085 are text, not line ends: ``tests/test_po_format.py``
   (``test_escapes_and_separators_read_as_gettext_reads_them``,
   ``test_what_gettext_refuses_is_refused_with_its_line``,
   ``test_format_then_parse_is_the_identity``); ``tests/test_roundtrip.py`` (the source
   "said<U+2028> the budget" through every translator's tool in
   ``test_a_translators_tool_loses_nothing``, ``test_a_draft_with_a_line_separator_is_stored_whole``).
3. A plural entry a translator adds is kept: ``tests/test_roundtrip.py``
   (``test_a_plural_entry_a_translator_adds_is_kept_as_obsolete``).
4. gettext escapes keep their meaning: ``tests/test_roundtrip.py``
   (``test_c_escapes_a_translator_writes_keep_their_meaning``), ``tests/test_po_format.py``.
5. A slug change carries the catalogs over and removes the old outputs: ``test_slugs.py``.
6. Deadlines on every engine call: ``test_deadlines.py`` (an Apertium that never answers, a
   silent server, a slow drip, a huge Retry-After, the run's deadline).
7. Control characters in a msgstr, a source, an engine's answer, the settings, the page
   template, a TMX file: ``test_control_characters.py``; in sources also
   ``tests/test_source_limits.py`` (``test_control_characters_are_removed_with_a_warning``,
   ``test_character_references_to_control_characters_do_not_crash``).
8. A failed run writes nothing (engine missing, failing, miscounting, crashing; an output
   folder that cannot be written; the run or a worker killed midway):
   ``test_nothing_written.py``; also ``tests/test_flow.py`` (a broken page template, a broken
   catalog) and ``tests/test_build.py`` (kills and Ctrl-C at random moments).
9. Empty, blank and control-character terms refused; the project lock for ``glossary
   add/import`` and ``memory import``: ``tests/test_tbx.py``
   (``test_glossary_add_refuses_what_would_break_the_termbase``,
   ``test_glossary_add_and_import_take_the_project_lock``), ``tests/test_glossary.py``
   (``empty-term.tbx``, ``control-character*``), ``tests/test_tmx.py``
   (``test_memory_import_takes_the_project_lock``).
10. A linked lock or memory never makes Puente write elsewhere: ``test_links.py``
    (``test_a_lock_linked_to_another_file_leaves_that_file_alone`` for every command that
    locks, ``test_a_dangling_lock_link_creates_nothing``,
    ``test_a_memory_linked_to_another_file_is_refused``).
11. One line and exit 2, never a traceback: ``test_one_line.py`` (a full disk under the
    memory and under the pages, a disk filling up during the run, a read-only output
    folder, a catalog path that is a folder, engine output that is not UTF-8, a memory or
    cache that is garbage, a locked cache); a UTF-16 TMX with an entity:
    ``tests/test_tmx.py`` (``test_bad_tmx_is_one_line_and_exit_2``,
    ``utf16-undeclared-entity.tmx``); ``tests/test_cli.py`` (``test_a_full_disk_is_one_line``).
12. Deep nesting kept or refused at its line, never dropped: ``tests/test_source_limits.py``
    (``test_nesting_within_the_limit_is_kept``, ``test_deeper_nesting_is_refused_at_its_line``).
13. The DOCTYPE guard reads the parsed document in every encoding: ``tests/test_glossary.py``
    (``test_bad_termbase_is_refused_with_file_and_line``: UTF-16 LE/BE, no BOM, UTF-32),
    ``tests/test_tbx.py`` (``test_tbx_with_an_external_doctype_imports_in_every_encoding_and_fetches_nothing``),
    ``tests/test_tmx.py`` (``test_bad_tmx_is_one_line_and_exit_2``, ``test_an_external_dtd_is_never_fetched``).
14. No link out of the project, file sizes capped: ``tests/test_source_limits.py``
    (``test_a_link_out_of_the_project_is_refused``, ``test_a_relative_link_climbing_out_is_refused``,
    ``test_a_huge_source_is_refused``); ``test_links.py`` (a catalog, template, cache or
    settings file linked to ``/dev/zero``, a pipe or a folder); ``tests/test_xliff.py``
    (``test_a_catalog_that_links_outside_the_project_is_refused``).
15. CSV cells a spreadsheet would run are neutralised: ``tests/test_termcsv.py``
    (``test_cells_a_spreadsheet_would_run_are_neutralised_and_read_back``); the LibreTranslate
    key never in the URL and a 10 MB answer refused: ``test_deadlines.py``; bidirectional
    overrides flagged by ``puente check``: ``test_control_characters.py``
    (``test_a_bidirectional_override_in_a_msgstr_is_an_error_in_check``).
"""
