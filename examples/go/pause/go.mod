module singe.example/pause

go 1.19
