module singe.example/offcpu

go 1.19
