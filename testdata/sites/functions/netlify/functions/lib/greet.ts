import { end } from "../../shared/punctuation";

export function greet(name: string): string {
  return `hello, ${name}${end}`;
}
