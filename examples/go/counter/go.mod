module github.com/gilstuff/gilstuff/examples/go/counter

go 1.24

require github.com/gilstuff/gilstuff/bindings/go v0.0.0

replace github.com/gilstuff/gilstuff/bindings/go => ../../../bindings/go
