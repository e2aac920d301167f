module example.com/entwrites

go 1.26
