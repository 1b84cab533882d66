module github.com/shoseki/shoseki

go 1.26
