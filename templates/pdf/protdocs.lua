-- protdocs: what pandoc's Typst writer leaves out of a tagged, accessible PDF.
--
-- * Every image gets its alt text (PDF/UA-1 refuses an image without one): the chart's
--   description, which the templates write as the image's caption / alt text.
-- * The reference document's named styles (a confidential passage, a classification notice,
--   a highlighted status) become the Typst functions of the same name in protdocs.typ.
--
-- Only text this filter writes itself becomes Typst code; content text is passed through
-- pandoc's writer, which escapes it. Strings are quoted as Typst string literals.

local function typst_string(text)
  text = text:gsub("[%c]", " ")
  return '"' .. text:gsub("\\", "\\\\"):gsub('"', '\\"') .. '"'
end

-- A width as the templates write it (6cm, 14cm, 50%), or nothing.
local function typst_length(value)
  if value and (value:match("^%d+%.?%d*cm$") or value:match("^%d+%.?%d*mm$")
      or value:match("^%d+%.?%d*%%$")) then
    return value
  end
  return nil
end

local function image_call(img, alt)
  local args = { typst_string(img.src) }
  local width = typst_length(img.attributes.width)
  if width then
    table.insert(args, "width: " .. width)
  end
  table.insert(args, "alt: " .. typst_string(alt))
  return "image(" .. table.concat(args, ", ") .. ")"
end

local function alt_of(img)
  local alt = pandoc.utils.stringify(img.caption)
  if alt == "" then
    alt = img.title or ""
  end
  return alt
end

function Image(img)
  return pandoc.RawInline("typst", "#box(" .. image_call(img, alt_of(img)) .. ")")
end

-- A chart on its own: a figure whose caption is its description, the image tagged with it.
function Figure(fig)
  local img = nil
  fig.content:walk({ Image = function(i) img = i end })
  if img == nil then
    return nil
  end
  local caption = pandoc.utils.stringify(fig.caption.long)
  local alt = caption ~= "" and caption or alt_of(img)
  local blocks = { pandoc.RawBlock("typst", "#chart-figure(" .. image_call(img, alt) .. ")[") }
  for _, block in ipairs(fig.caption.long) do
    table.insert(blocks, block)
  end
  table.insert(blocks, pandoc.RawBlock("typst", "]"))
  return blocks
end

local BLOCK_STYLES = {
  ["Confidential passage"] = "confidential-passage",
  ["Classification notice"] = "classification-notice",
}

function Div(div)
  local name = BLOCK_STYLES[div.attributes["custom-style"]]
  if name == nil then
    return nil
  end
  local blocks = { pandoc.RawBlock("typst", "#" .. name .. "[") }
  for _, block in ipairs(div.content) do
    table.insert(blocks, block)
  end
  table.insert(blocks, pandoc.RawBlock("typst", "]"))
  return blocks
end

function Span(span)
  if span.attributes["custom-style"] ~= "Row highlight" then
    return nil
  end
  local inlines = { pandoc.RawInline("typst", "#row-highlight[") }
  for _, inline in ipairs(span.content) do
    table.insert(inlines, inline)
  end
  table.insert(inlines, pandoc.RawInline("typst", "]"))
  return inlines
end

-- A table with a header row: the row shaded in the headings' blue, its text white and bold
-- (the Word table style's first row). Typst repeats it on each page and tags it as headers.
function Table(tbl)
  local has_head = false
  for _, row in ipairs(tbl.head.rows) do
    for _, cell in ipairs(row.cells) do
      if #cell.contents > 0 then
        has_head = true
      end
    end
  end
  if not has_head then
    return nil
  end
  return {
    pandoc.RawBlock("typst", "#[\n#set table(fill: header-fill)\n#show table.cell.where(y: 0): set text(fill: white, weight: \"bold\")"),
    tbl,
    pandoc.RawBlock("typst", "]"),
  }
end

-- Code spans and blocks as escaped text in a monospace font, not as Typst raw text: then every
-- '#' of content text in the Typst source is escaped, which the writer checks.
function Code(code)
  return { pandoc.RawInline("typst", "#mono["), pandoc.Str(code.text), pandoc.RawInline("typst", "]") }
end

function CodeBlock(block)
  local lines = {}
  for line in (block.text .. "\n"):gmatch("(.-)\n") do
    if #lines > 0 then
      table.insert(lines, pandoc.LineBreak())
    end
    table.insert(lines, pandoc.Str(line))
  end
  local inlines = { pandoc.RawInline("typst", "#mono-block[") }
  for _, inline in ipairs(lines) do
    table.insert(inlines, inline)
  end
  table.insert(inlines, pandoc.RawInline("typst", "]"))
  return pandoc.Para(inlines)
end

return {
  { Figure = Figure },
  { Image = Image, Div = Div, Span = Span, Table = Table, Code = Code, CodeBlock = CodeBlock },
}
