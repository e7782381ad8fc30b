module singe.example/goroutines

go 1.19
