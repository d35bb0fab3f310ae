export function readmeExamples(markdown: string): Map<string, string>;
