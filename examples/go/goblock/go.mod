module goblock

go 1.19
