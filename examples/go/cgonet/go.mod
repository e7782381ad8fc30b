module singe.example/cgonet

go 1.19
