module singe/examples/alloc

go 1.19
