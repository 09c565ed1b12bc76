module github.com/gilstuff/gilstuff/bindings/go

go 1.24
