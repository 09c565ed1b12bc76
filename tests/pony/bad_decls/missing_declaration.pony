// remove: gilstuff_version
// expect: header function gilstuff_version is neither declared in the package nor listed
