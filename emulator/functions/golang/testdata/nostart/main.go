// nostart forgets to call lambda.Start.
package main

import "fmt"

func main() {
	fmt.Println("hello from a plain program")
}
