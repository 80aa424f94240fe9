module github.com/lekwacht/lekwacht

go 1.26.8
