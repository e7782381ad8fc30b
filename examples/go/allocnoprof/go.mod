module singe/examples/allocnoprof

go 1.19
