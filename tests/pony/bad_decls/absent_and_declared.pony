// absent: gilstuff_version: listed by mistake
// expect: @gilstuff_version is declared and also listed as absent
