import { describe, expect, it } from 'vitest';
import { exampleEnv } from '../catalog.ts';
import { cleanRichText } from '../rich-text.ts';
import { validateSubmission } from '../submission.ts';

describe('rich text cleaning', () => {
  it('keeps the formatting an editor produces exactly as written', () => {
    const html =
      '<h2>Diagnosis</h2><p>The <b>pump</b> is <i>worn</i>; <a href="https://example.com/manual">manual</a>.</p>' +
      '<ul><li>seal</li><li>bearing</li></ul><table><tbody><tr><td colspan="2">¥ 120</td></tr></tbody></table>' +
      '<p style="text-align: center; color: #c00">注意安全</p><img src="/api/files/01890000-0000-7000-8000-000000000001" alt="photo">';
    expect(cleanRichText(html)).toBe(html);
  });

  it.each([
    ['<p>hi<script>alert(1)</script></p>', '<p>hi</p>'],
    ['<img src="x.png" onerror="alert(1)">', '<img src="x.png">'],
    ['<a href="javascript:alert(1)">x</a>', '<a>x</a>'],
    ['<a href="JaVa\tScRiPt:alert(1)">x</a>', '<a>x</a>'],
    ['<a href="&#106;avascript&#58;alert(1)">x</a>', '<a>x</a>'],
    ['<a href=" javascript:alert(1)">x</a>', '<a>x</a>'],
    ['<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', '<a>x</a>'],
    ['<img src="data:image/svg+xml;base64,PHN2Zz4=">', '<img>'],
    ['<svg onload="alert(1)"><circle/></svg>after', 'after'],
    ['<iframe src="https://evil.example"></iframe><p>ok</p>', '<p>ok</p>'],
    ['<style>body{display:none}</style>text', 'text'],
    ['<p style="background: url(javascript:alert(1)); color: red">x</p>', '<p style="color: red">x</p>'],
    ['<p style="width: expression(alert(1))">x</p>', '<p>x</p>'],
    ['<form action="/x"><input name="a"><button>go</button></form>', 'go'],
    ['<p><b>unclosed <i>tags</p>', '<p><b>unclosed <i>tags</i></b></p>'],
    ['</b>stray close', 'stray close'],
    ['<p>1 &lt; 2 &amp; 3 &gt; 2 &lt;script&gt;</p>', '<p>1 &lt; 2 &amp; 3 &gt; 2 &lt;script&gt;</p>'],
    ['<a href="https://example.com" target="_blank">x</a>', '<a href="https://example.com" target="_blank" rel="noopener noreferrer">x</a>'],
    ['<a href="https://example.com" target="_top" rel="opener">x</a>', '<a href="https://example.com">x</a>'],
    ['<p title="&quot;><script>alert(1)</script>">x</p>', '<p title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">x</p>'],
  ])('makes %s safe', (input, output) => {
    expect(cleanRichText(input)).toBe(output);
  });

  it('is what a submission stores: the server keeps the cleaned value, never the raw one', () => {
    const form = { fields: [{ key: 'report', type: 'richText', label: { en: 'Report' } }] };
    const result = validateSubmission({
      form,
      mode: 'create',
      values: { report: '<p onclick="steal()">Replaced the <b>valve</b><script>steal()</script></p>' },
      env: exampleEnv(),
    });
    expect(result.problems).toEqual([]);
    expect(result.values.report).toBe('<p>Replaced the <b>valve</b></p>');
  });
});
