module singe.example/cpu

go 1.19
