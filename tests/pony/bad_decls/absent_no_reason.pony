// remove: gilstuff_version
// absent: gilstuff_version
// expect: gilstuff_version is listed as absent without a reason
